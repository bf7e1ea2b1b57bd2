using TinyClip.Data.Text;

namespace TinyClip.Actors.Tests.Feeding;

/// <summary>Test stand-in for the CLIP tokenizer: start, one id per letter, end, zero padding.</summary>
public sealed class LetterTokenizer : ICaptionTokenizer
{
    public int VocabularySize => 260;

    public int[] Encode(string caption, int contextLength)
    {
        var ids = new int[contextLength];
        var count = Math.Min(caption.Length, contextLength - 2);
        ids[0] = 1;
        for (var i = 0; i < count; i++) ids[i + 1] = 3 + caption[i] % 256;
        ids[count + 1] = 2;
        return ids;
    }
}
