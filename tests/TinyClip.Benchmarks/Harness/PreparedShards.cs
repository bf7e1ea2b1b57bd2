using TinyClip.Actors.Training;
using TinyClip.Configuration;
using TinyClip.Data.Manifest;
using TinyClip.Data.Quarantine;
using TinyClip.Data.Reading;

namespace TinyClip.Benchmarks.Harness;

/// <summary>Synthetic shards with a tokenizer learned from them once, for benchmarks that start the CLI or a run with a
/// pre-learned tokenizer (so runs neither re-learn it nor time its learning).</summary>
public static class PreparedShards
{
    /// <returns>The shards' directory and the tokenizer's merges file, both under <paramref name="scratch"/>.</returns>
    public static async Task<(string Train, string Tokenizer)> WriteAsync(TempDirectory scratch, int rows, int imageSize, int rowGroupSize,
        CancellationToken cancellationToken)
    {
        var train = await SyntheticShards.WriteAsync(scratch.Sub("data"), rows, imageSize, rowGroupSize, cancellationToken);
        var quarantine = new QuarantineLog();
        var data = DataSettingsConfig.Reference;
        var manifest = await DatasetManifest.BuildAsync([train], new TinyClip.Data.Settings.ColumnNames(), quarantine, FooterReads.FromFiles(data.Manifest), cancellationToken);
        await TokenizerPreparation.PrepareAsync("", scratch.Sub("tokenizer"), 1024, manifest, quarantine, ReadRetryPolicy.From(data.Stream), cancellationToken: cancellationToken);
        return (train, Path.Combine(scratch.Sub("tokenizer"), "tokenizer", "merges.txt"));
    }
}
