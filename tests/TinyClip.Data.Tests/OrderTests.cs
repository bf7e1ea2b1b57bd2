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
        var epoch0 = pipeline.Order.SampleIds(0, 0).ToArray();
        Assert.Equal(Enumerable.Range(0, 30).Select(i => (long)i), epoch0.Order());
        Assert.Equal(epoch0, pipeline.Order.SampleIds(0, 0));
        Assert.NotEqual(epoch0, pipeline.Order.SampleIds(0, 1));
        Assert.NotEqual(epoch0, new SampleOrder(pipeline.Manifest, 8, 2, 1).SampleIds(0, 0));
    }

    [Fact]
    public async Task Lanes_share_out_the_row_groups_of_every_epoch()
    {
        using var dir = new TempDirectory();
        var pipeline = await ThirtyRowsAsync(dir);
        var order = new SampleOrder(pipeline.Manifest, 7, 2, lanes: 3);
        for (var epoch = 0; epoch < 3; epoch++)
        {
            var shares = Enumerable.Range(0, 3).Select(lane => order.SampleIds(lane, epoch).ToArray()).ToList();
            Assert.Equal(Enumerable.Range(0, 30).Select(i => (long)i), shares.SelectMany(ids => ids).Order());
            // 10 row groups dealt round-robin: 4, 3 and 3 of them.
            Assert.Equal([4, 3, 3], Enumerable.Range(0, 3).Select(lane => order.Windows(lane, epoch).Sum(w => w.RowGroups.Count)));
        }
        Assert.Throws<DataConfigurationException>(() => new SampleOrder(pipeline.Manifest, 7, 2, lanes: 11));
    }

    [Fact]
    public async Task Every_sample_appears_once_per_epoch_and_batches_run_on_into_the_next_epoch()
    {
        using var dir = new TempDirectory();
        var pipeline = await ThirtyRowsAsync(dir);
        // 30 rows, N = 4, one lane: batch 7 holds the last 2 samples of epoch 0 and the first 2 of epoch 1.
        var batches = await Pipelines.TakeAsync(pipeline, pipeline.Start, 8);

        Assert.Equal(Enumerable.Range(0, 8).Select(g => (long)g), batches.Select(b => b.GlobalBatch));
        var ids = batches.SelectMany(b => b.SampleIds).ToList();
        Assert.Equal(pipeline.Order.SampleIds(0, 0).Concat(pipeline.Order.SampleIds(0, 1).Take(2)), ids);
        Assert.Equal(new LanePosition(0, 28), batches[7].Cursor.Lanes[0]);
        Assert.Equal(new LanePosition(1, 2), batches[7].Next.Lanes[0]);

        // A batch that ends the share of an epoch names the next epoch as where the lane continues.
        using var fives = new TempDirectory();
        var byFive = await ThirtyRowsAsync(fives, batchSize: 5);
        var sixth = (await Pipelines.TakeAsync(byFive, byFive.Start, 6))[5];
        Assert.Equal(new LanePosition(1, 0), sixth.Next.Lanes[0]);
        Assert.Equal(1, sixth.Next.Epoch);
    }

    [Fact]
    public async Task Resuming_from_any_cursor_yields_what_an_uninterrupted_run_yields()
    {
        using var dir = new TempDirectory();
        var pipeline = await ThirtyRowsAsync(dir, damage: rows => { rows[3] = rows[3] with { Jpg = [1, 2, 3] }; rows[17] = rows[17] with { Caption = "" }; });
        var uninterrupted = await Pipelines.TakeAsync(pipeline, pipeline.Start, 12);

        for (var stop = 1; stop < uninterrupted.Count; stop++)
        {
            var json = uninterrupted[stop - 1].Next.ToJson();
            var resumed = await Pipelines.TakeAsync(pipeline, Cursor.FromJson(json), uninterrupted.Count - stop);
            Assert.Equal(uninterrupted.Skip(stop).Select(b => b.Cursor), resumed.Select(b => b.Cursor));
            Assert.Equal(uninterrupted.Skip(stop).SelectMany(b => b.SampleIds), resumed.SelectMany(b => b.SampleIds));
            Assert.Equal(uninterrupted[stop].Images.ToArray(), resumed[0].Images.ToArray());
            Assert.Equal(uninterrupted[stop].Tokens, resumed[0].Tokens);
        }
    }

    [Fact]
    public async Task A_failed_sample_is_replaced_by_the_next_of_the_order_and_batches_stay_full()
    {
        using var dir = new TempDirectory();
        var pipeline = await ThirtyRowsAsync(dir, damage: rows => rows[3] = rows[3] with { Jpg = [0xFF, 0xD8, 0xFF, 0x00] });
        var order = pipeline.Order.SampleIds(0, 0).ToList();
        var batches = await Pipelines.TakeAsync(pipeline, pipeline.Start, 7);

        Assert.All(batches, b => Assert.Equal(4, b.Count));
        Assert.Equal(order.Where(id => id != 3).Take(28), batches.SelectMany(b => b.SampleIds));
        var failedAt = order.IndexOf(3);
        var after = batches.First(b => b.Cursor.Lanes[0].Position > failedAt);
        Assert.Equal(after.GlobalBatch * 4 + 1, after.Cursor.Lanes[0].Position);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Trainer_slices_of_any_world_size_reassemble_the_same_global_batches(int worldSize)
    {
        using var dir = new TempDirectory();
        var pipeline = await ThirtyRowsAsync(dir, batchSize: 6);
        var batches = await Pipelines.TakeAsync(pipeline, pipeline.Start, 4);
        foreach (var batch in batches)
        {
            var slices = Enumerable.Range(0, worldSize).Select(k => batch.SliceFor(k, worldSize)).ToList();
            Assert.Equal(batch.SampleIds, slices.SelectMany(s => s.SampleIds));
            Assert.Equal(batch.Images.ToArray(), slices.SelectMany(s => s.Images.ToArray()));
            Assert.Equal(batch.Tokens, slices.SelectMany(s => s.Tokens));
            Assert.Equal(batch.Labels, slices.SelectMany(s => s.Labels!));
            Assert.All(slices, s => Assert.Equal(batch.GlobalBatch, s.GlobalBatch));
            Assert.Equal(Enumerable.Range(0, worldSize).Select(k => (k + 1) * 6 / worldSize - k * 6 / worldSize), slices.Select(s => s.Count));
        }
    }

    [Fact]
    public async Task Batches_do_not_depend_on_decode_parallelism()
    {
        using var dir = new TempDirectory();
        var one = await ThirtyRowsAsync(dir);
        var many = new BatchPipeline(one.Manifest, one.Settings with { Stream = one.Settings.Stream with { DecodeParallelism = 5 } }, new WordHashTokenizer(), new Quarantine.QuarantineLog());
        var a = await Pipelines.TakeAsync(one, one.Start, 5);
        var b = await Pipelines.TakeAsync(many, many.Start, 5);
        Assert.Equal(a.SelectMany(x => x.Images.ToArray()), b.SelectMany(x => x.Images.ToArray()));
        Assert.Equal(a.SelectMany(x => x.SampleIds), b.SelectMany(x => x.SampleIds));
    }

    [Fact]
    public void Cursor_round_trips_through_json()
    {
        var cursor = new Cursor(17, [new LanePosition(3, 70), new LanePosition(4, 0)]);
        Assert.Equal("""{"global_batch":17,"lanes":[{"epoch":3,"position":70},{"epoch":4,"position":0}]}""", cursor.ToJson());
        Assert.Equal(cursor, Cursor.FromJson(cursor.ToJson()));
        Assert.Equal(3, cursor.Epoch);
    }
}
