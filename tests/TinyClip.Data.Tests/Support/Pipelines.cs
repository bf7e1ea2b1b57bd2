using TinyClip.Configuration;
using TinyClip.Data.Manifest;
using TinyClip.Data.Ordering;
using TinyClip.Data.Pipeline;
using TinyClip.Data.Quarantine;
using TinyClip.Data.Reading;
using TinyClip.Data.Settings;

namespace TinyClip.Data.Tests.Support;

/// <summary>Builds small pipelines and drains batches for assertions.</summary>
public static class Pipelines
{
    /// <summary>The shipped settings (hocon/reference.conf).</summary>
    public static DataSettings Shipped { get; } = DataSettingsConfig.Reference;

    /// <summary>The shipped read retries.</summary>
    public static ReadRetryPolicy Retry { get; } = ReadRetryPolicy.From(Shipped.Stream);

    /// <summary>Settings of small test pipelines; one lane unless a test is about lanes.</summary>
    public static DataSettings Settings(int batchSize = 4, int window = 2, long seed = 7, int imageSize = 8, int parallelism = 2, ColumnNames? columns = null, int lanes = 1) =>
        Shipped with
        {
            Columns = columns ?? new ColumnNames(),
            Decode = Shipped.Decode with { ImageSize = imageSize, ContextLength = 8 },
            Order = new OrderSettings(seed, batchSize, window, lanes),
            Stream = Shipped.Stream with { DecodeParallelism = parallelism },
        };

    /// <summary>The manifest of <paramref name="inputs"/>, its footers read as the shipped settings say.</summary>
    public static Task<DatasetManifest> ManifestAsync(IEnumerable<string> inputs, ColumnNames columns, QuarantineLog quarantine) =>
        DatasetManifest.BuildAsync(inputs, columns, quarantine, FooterReads.FromFiles(Shipped.Manifest));

    public static async Task<BatchPipeline> OpenAsync(string input, DataSettings settings, QuarantineLog? quarantine = null, TransformMode mode = TransformMode.Train)
    {
        quarantine ??= new QuarantineLog();
        var manifest = await ManifestAsync([input], settings.Columns, quarantine);
        return new BatchPipeline(manifest, settings, new WordHashTokenizer(), quarantine, mode);
    }

    /// <param name="rows">A node's rows; null for whole batches.</param>
    public static async Task<List<TrainingBatch>> TakeAsync(BatchPipeline pipeline, Cursor from, int count, RowRange? rows = null)
    {
        var batches = new List<TrainingBatch>();
        await foreach (var batch in new SampleSource(pipeline).ReadAsync(from, rows))
        {
            batches.Add(batch);
            if (batches.Count == count) break;
        }
        return batches;
    }
}
