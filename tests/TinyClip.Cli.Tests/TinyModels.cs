using TinyClip.Data.Text;
using TinyClip.Model;

namespace TinyClip.Cli.Tests;

/// <summary>The <c>tiny-test</c> preset saved as safetensors, and a small tokenizer that fits its 1000-token embedding.</summary>
public static class TinyModels
{
    public static readonly string[] Captions =
    [
        "a photo of a cat", "a photo of a dog", "a red square on a blue background", "a green circle", "a cat and a dog",
    ];

    public static ClipModel Create(long seed = 7) => ClipModel.Create(ClipPresets.Get("tiny-test"), seed);

    public static string Save(ClipModel model, string directory, string name = "tiny.safetensors")
    {
        var path = Path.Combine(directory, name);
        ClipCheckpoint.Save(model, path);
        return path;
    }

    /// <summary>A merges file learned from <see cref="Captions"/> (well under 1000 tokens).</summary>
    public static string WriteTokenizer(string directory)
    {
        var path = Path.Combine(directory, "merges.txt");
        BpeVocabularyLearner.WriteMergesFile(path, BpeVocabularyLearner.Learn(Captions, 600));
        return path;
    }
}
