using TinyClip.Data.Manifest;
using TinyClip.Data.Quarantine;
using TinyClip.Data.Reading;
using TinyClip.Data.Text;

namespace TinyClip.Actors.Training;

/// <summary>
/// The run's tokenizer: the user's file, or a BPE vocabulary learned from the training captions and kept in the run
/// directory (learned once: a restarted run loads the same file, so token ids never change mid-run).
/// </summary>
public static class TokenizerPreparation
{
    public static async Task<ClipTokenizer> PrepareAsync(string configuredPath, string runDirectory, int vocabularySize,
        DatasetManifest trainManifest, QuarantineLog quarantine, ReadRetryPolicy retry, IShardFiles? shards = null, CancellationToken cancellationToken = default)
    {
        if (configuredPath.Length > 0) return ClipTokenizer.FromFile(configuredPath);
        var learned = Path.Combine(runDirectory, "tokenizer", "merges.txt");
        if (!File.Exists(learned))
        {
            var captions = await CaptionReader.ReadAllAsync(trainManifest, quarantine, retry, shards, cancellationToken);
            var merges = BpeVocabularyLearner.Learn(captions, vocabularySize);
            Directory.CreateDirectory(Path.GetDirectoryName(learned)!);
            var temporary = learned + ".tmp";
            BpeVocabularyLearner.WriteMergesFile(temporary, merges);
            File.Move(temporary, learned, overwrite: true);
        }
        return ClipTokenizer.FromFile(learned);
    }
}
