using TinyClip.Data.Ordering;
using TinyClip.Data.Pipeline;
using TinyClip.Data.Tests.Support;

namespace TinyClip.Data.Tests;

public class OrderTests
{
    /// <summary>30 rows in 3 files with row groups of 4 (some short), so windows and batches straddle files.</summary>
    private static async Task<BatchPipeline> ThirtyRowsAsync(TempDirectory dir, int batchSize = 4, long seed = 7, Action<List<Writing.Img2DatasetRow>>? damage = null)
    {
        var rows = ParquetFiles.GoodRows(30).ToList();
        damage?.Invoke(rows);
        ParquetFiles.Img2Dataset(dir.File("a.parquet"), rows[..10]);
        ParquetFiles.Img2Dataset(dir.File("b.parquet"), rows[10..20], rowGroupSize: 3);
        ParquetFiles.Img2Dataset(dir.File("c.parquet"), rows[20..]);
        return await Pipelines.OpenAsync(dir.Path, Pipelines.Settings(batchSize: batchSize, seed: seed, window: 2));
    }

    [Fact]
    public async Task Manifest_comes_from_footers_and_its_hash_is_stable()
    {
        using var dir = new TempDirectory();
        var pipeline = await ThirtyRowsAsync(dir);
        var manifest = pipeline.Manifest;
        Assert.Equal([4, 4, 2], manifest.Files[0].RowGroupRows);
        Assert.Equal([3, 3, 3, 1], manifest.Files[1].RowGroupRows);
        Assert.Equal(30, manifest.TotalRows);
        Assert.Equal(Enumerable.Range(0, 30).Select(i => (long)i), manifest.RowGroups.SelectMany(g => Enumerable.Range(0, (int)g.RowCount).Select(r => g.FirstSampleId + r)));
        var again = await Pipelines.OpenAsync(dir.Path, pipeline.Settings);
        Assert.Equal(manifest.ContentHash, again.Manifest.ContentHash);
        Assert.Equal(manifest.ContentHash, Manifest.DatasetManifest.FromJson(manifest.ToJson()).ContentHash);
    }

    [Fact]
    public async Task Order_is_a_permutation_fixed_by_seed_and_epoch()
    {
        using var dir = new TempDirectory();
        var pipeline = await ThirtyRowsAsync(dir);
        var epoch0 = pipeline.Order.SampleIds(0).ToArray();
        Assert.Equal(Enumerable.Range(0, 30).Select(i => (long)i), epoch0.Order());
        Assert.Equal(epoch0, pipeline.Order.SampleIds(0));
        Assert.NotEqual(epoch0, pipeline.Order.SampleIds(1));
        Assert.NotEqual(epoch0, new SampleOrder(pipeline.Manifest, 8, 2).SampleIds(0));
    }

    [Fact]
    public async Task Every_sample_appears_once_per_epoch_and_the_partial_batch_is_dropped()
    {
        using var dir = new TempDirectory();
        var pipeline = await ThirtyRowsAsync(dir);
        // 30 rows, N = 4: 7 batches per epoch, 2 samples dropped; the 8th batch is batch 0 of epoch 1.
        var batches = await Pipelines.TakeAsync(pipeline, Cursor.StartOf(0), 8);

        var epoch0 = batches.Where(b => b.Cursor.Epoch == 0).ToList();
        Assert.Equal(Enumerable.Range(0, 7).Select(g => (long)g), epoch0.Select(b => b.Cursor.GlobalBatch));
        var ids = epoch0.SelectMany(b => b.SampleIds).ToList();
        Assert.Equal(28, ids.Distinct().Count());
        Assert.Equal(pipeline.Order.SampleIds(0).Take(28), ids);
        Assert.Equal(Cursor.StartOf(1), batches[7].Cursor);
        Assert.Equal(2, pipeline.Counters.SamplesDroppedAtEpochEnd);
    }

    [Fact]
    public async Task Resuming_from_any_cursor_yields_what_an_uninterrupted_run_yields()
    {
        using var dir = new TempDirectory();
        var pipeline = await ThirtyRowsAsync(dir, damage: rows => { rows[3] = rows[3] with { Jpg = [1, 2, 3] }; rows[17] = rows[17] with { Caption = "" }; });
        var uninterrupted = await Pipelines.TakeAsync(pipeline, Cursor.StartOf(0), 12);

        for (var stop = 1; stop < uninterrupted.Count; stop++)
        {
            var json = uninterrupted[stop - 1].Next.ToJson();
            var resumed = await Pipelines.TakeAsync(pipeline, Cursor.FromJson(json), uninterrupted.Count - stop);
            Assert.Equal(uninterrupted.Skip(stop).Select(b => b.Cursor), resumed.Select(b => b.Cursor));
            Assert.Equal(uninterrupted.Skip(stop).SelectMany(b => b.SampleIds), resumed.SelectMany(b => b.SampleIds));
            Assert.Equal(uninterrupted[stop].Images, resumed[0].Images);
            Assert.Equal(uninterrupted[stop].Tokens, resumed[0].Tokens);
        }
    }

    [Fact]
    public async Task A_failed_sample_is_replaced_by_the_next_of_the_order_and_batches_stay_full()
    {
        using var dir = new TempDirectory();
        var pipeline = await ThirtyRowsAsync(dir, damage: rows => rows[3] = rows[3] with { Jpg = [0xFF, 0xD8, 0xFF, 0x00] });
        var order = pipeline.Order.SampleIds(0).ToList();
        var batches = (await Pipelines.TakeAsync(pipeline, Cursor.StartOf(0), 8)).Where(b => b.Cursor.Epoch == 0).ToList();

        Assert.Equal(7, batches.Count);
        Assert.All(batches, b => Assert.Equal(4, b.Count));
        Assert.Equal(order.Where(id => id != 3).Take(28), batches.SelectMany(b => b.SampleIds));
        var failedAt = order.IndexOf(3);
        var after = batches.First(b => b.Cursor.Position > failedAt);
        Assert.Equal(after.Cursor.GlobalBatch * 4 + 1, after.Cursor.Position);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Trainer_slices_of_any_world_size_reassemble_the_same_global_batches(int worldSize)
    {
        using var dir = new TempDirectory();
        var pipeline = await ThirtyRowsAsync(dir, batchSize: 6);
        var batches = await Pipelines.TakeAsync(pipeline, Cursor.StartOf(0), 4);
        foreach (var batch in batches)
        {
            var slices = Enumerable.Range(0, worldSize).Select(k => batch.SliceFor(k, worldSize)).ToList();
            Assert.Equal(batch.SampleIds, slices.SelectMany(s => s.SampleIds));
            Assert.Equal(batch.Images, slices.SelectMany(s => s.Images));
            Assert.Equal(batch.Tokens, slices.SelectMany(s => s.Tokens));
            Assert.Equal(batch.Labels, slices.SelectMany(s => s.Labels!));
            Assert.All(slices, s => Assert.Equal(batch.Cursor, s.Cursor));
            Assert.Equal(Enumerable.Range(0, worldSize).Select(k => (k + 1) * 6 / worldSize - k * 6 / worldSize), slices.Select(s => s.Count));
        }
    }

    [Fact]
    public async Task Batches_do_not_depend_on_decode_parallelism()
    {
        using var dir = new TempDirectory();
        var one = await ThirtyRowsAsync(dir);
        var many = new BatchPipeline(one.Manifest, one.Settings with { Stream = one.Settings.Stream with { DecodeParallelism = 5 } }, new WordHashTokenizer(), new Quarantine.QuarantineLog());
        var a = await Pipelines.TakeAsync(one, Cursor.StartOf(0), 5);
        var b = await Pipelines.TakeAsync(many, Cursor.StartOf(0), 5);
        Assert.Equal(a.SelectMany(x => x.Images), b.SelectMany(x => x.Images));
        Assert.Equal(a.SelectMany(x => x.SampleIds), b.SelectMany(x => x.SampleIds));
    }

    [Fact]
    public void Cursor_round_trips_through_json()
    {
        var cursor = new Cursor(3, 17, 70);
        Assert.Equal("""{"epoch":3,"global_batch":17,"position":70}""", cursor.ToJson());
        Assert.Equal(cursor, Cursor.FromJson(cursor.ToJson()));
    }
}
