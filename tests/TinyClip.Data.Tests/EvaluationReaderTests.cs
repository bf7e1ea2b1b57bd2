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

    [Fact]
    public async Task Recycled_batches_lend_their_pixel_arrays_to_later_batches_with_the_same_pixels()
    {
        using var dir = new TempDirectory();
        ParquetFiles.Img2Dataset(dir.File("a.parquet"), ParquetFiles.GoodRows(18).ToList(), rowGroupSize: 6);
        var settings = Pipelines.Settings(batchSize: 4);
        var quarantine = new QuarantineLog();
        var manifest = await Pipelines.ManifestAsync([dir.Path], settings.Columns, quarantine);
        EvaluationReader NewReader() => new(new ParquetEvaluationRows(manifest, quarantine, Pipelines.Retry), settings, new WordHashTokenizer(), quarantine);

        var fresh = new List<(byte[] Pixels, object Array)>();
        await foreach (var batch in NewReader().ReadAsync()) fresh.Add((batch.Images.ToArray(), Block(batch)));
        var recycling = NewReader();
        var recycled = new List<(byte[] Pixels, object Array)>();
        await foreach (var batch in recycling.ReadAsync())
        {
            recycled.Add((batch.Images.ToArray(), Block(batch)));
            recycling.Recycle(batch);
        }

        Assert.Equal(fresh.Select(b => b.Pixels), recycled.Select(b => b.Pixels));
        Assert.Equal(5, fresh.Select(b => b.Array).Distinct(ReferenceEqualityComparer.Instance).Count());
        // The four whole batches share one array (each taken back before the next is built); the short last one has its own.
        Assert.Equal(2, recycled.Select(b => b.Array).Distinct(ReferenceEqualityComparer.Instance).Count());
    }

    private static object Block(TrainingBatch batch) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(Assert.Single(batch.Images.Blocks), out var segment) ? segment.Array! : throw new InvalidOperationException("not an array");
}
