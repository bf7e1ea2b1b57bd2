using TinyClip.Data.Manifest;
using TinyClip.Data.Pipeline;
using TinyClip.Data.Quarantine;
using TinyClip.Data.Tests.Support;

namespace TinyClip.Data.Tests;

public class EvaluationReaderTests
{
    [Fact]
    public async Task Every_usable_sample_is_read_once_in_file_order_and_the_last_batch_is_kept()
    {
        using var dir = new TempDirectory();
        var rows = ParquetFiles.GoodRows(11).ToList();
        rows[6] = rows[6] with { Jpg = [7, 7] };
        ParquetFiles.Img2Dataset(dir.File("a.parquet"), rows, rowGroupSize: 3);
        var settings = Pipelines.Settings(batchSize: 4);
        var quarantine = new QuarantineLog();
        var manifest = await Pipelines.ManifestAsync([dir.Path], settings.Columns, quarantine);

        var batches = new List<TrainingBatch>();
        await foreach (var batch in new EvaluationReader(new ParquetEvaluationRows(manifest, quarantine, Pipelines.Retry), settings, new WordHashTokenizer(), quarantine).ReadAsync())
            batches.Add(batch);

        Assert.Equal([4, 4, 2], batches.Select(b => b.Count));
        Assert.Equal(Enumerable.Range(0, 11).Where(i => i != 6).Select(i => $"k{i:D5}"), batches.SelectMany(b => b.Keys));
        Assert.Equal(Enumerable.Range(0, 11).Where(i => i != 6).Select(i => i % 5), batches.SelectMany(b => b.Labels!));
    }
}
