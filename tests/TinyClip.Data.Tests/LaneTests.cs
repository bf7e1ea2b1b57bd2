using System.Security.Cryptography;
using Parquet;
using TinyClip.Data.Ordering;
using TinyClip.Data.Pipeline;
using TinyClip.Data.Quarantine;
using TinyClip.Data.Tests.Support;

namespace TinyClip.Data.Tests;

/// <summary>
/// The sharded data plane at unit level: W "nodes" (one pipeline each, with its own counters) each read only the lanes
/// of their rows; their rows put side by side must be the single node's batches, sample by sample, whatever W.
/// </summary>
public class LaneTests
{
    private const int BatchSize = 20;
    private const int Lanes = 10;

    /// <summary>120 rows in 5 files, row groups of 4 (30 of them); rows 5, 41 and 77 do not decode, row group 2 of c.parquet is damaged.</summary>
    private static async Task<string> DataAsync(TempDirectory dir)
    {
        var rows = ParquetFiles.GoodRows(120).ToList();
        foreach (var bad in new[] { 5, 41, 77 }) rows[bad] = rows[bad] with { Jpg = [0xFF, 0xD8, 0xFF, 0x00, 1, 2] };
        for (var f = 0; f < 5; f++) ParquetFiles.Img2Dataset(dir.File($"{(char)('a' + f)}.parquet"), rows.GetRange(f * 24, 24));
        await DamageRowGroupAsync(dir.File("c.parquet"), rowGroup: 2);
        return dir.Path;
    }

    /// <summary>Overwrites the first page header of the row group's image column: its pages can no longer be read.</summary>
    private static async Task DamageRowGroupAsync(string path, int rowGroup)
    {
        long offset;
        await using (var stream = File.OpenRead(path))
        await using (var reader = await ParquetReader.CreateAsync(stream))
        {
            using var group = reader.OpenRowGroupReader(rowGroup);
            offset = group.GetMetadata(reader.Schema.FindDataField("jpg"))!.MetaData!.DataPageOffset;
        }
        await using var file = File.OpenWrite(path);
        file.Position = offset;
        file.Write(Enumerable.Repeat((byte)0xEE, 12).ToArray());
    }

    private static async Task<BatchPipeline> NodeAsync(string data, QuarantineLog? quarantine = null) =>
        await Pipelines.OpenAsync(data, Pipelines.Settings(batchSize: BatchSize, window: 2, parallelism: 1, lanes: Lanes), quarantine);

    /// <summary>The global batches as W nodes assemble them (node k holds trainer k's rows), with the nodes' pipelines.</summary>
    private static async Task<(List<TrainingBatch> Global, List<BatchPipeline> Nodes, Cursor Next)> RunAsync(string data, int nodes, Cursor? from, int batches)
    {
        var pipelines = new List<BatchPipeline>();
        var parts = new List<List<TrainingBatch>>();
        for (var k = 0; k < nodes; k++)
        {
            var pipeline = await NodeAsync(data);
            pipelines.Add(pipeline);
            parts.Add(await Pipelines.TakeAsync(pipeline, from ?? pipeline.Start, batches, RowRange.OfRanks(k, 1, nodes, BatchSize)));
        }
        var agreement = new BatchAgreement(from ?? pipelines[0].Start);
        var global = new List<TrainingBatch>();
        for (var b = 0; b < batches; b++)
        {
            var slices = parts.Select(p => p[b]).ToList();
            agreement.Agree(slices.Select(BatchReport.Of).ToList());
            global.Add(slices[0] with
            {
                Rows = RowRange.All(BatchSize),
                Images = ImageRows.Concat(slices[0].ImageSize, slices.Select(s => s.Images)),
                Keys = slices.SelectMany(s => s.Keys).ToArray(),
                SampleIds = slices.SelectMany(s => s.SampleIds).ToArray(),
                Tokens = slices.SelectMany(s => s.Tokens).ToArray(),
                Lanes = slices.SelectMany(s => s.Lanes).DistinctBy(l => l.Lane).OrderBy(l => l.Lane).ToArray(),
            });
        }
        return (global, pipelines, agreement.Expected);
    }

    private static string[] PixelHashes(TrainingBatch batch) =>
        Enumerable.Range(0, batch.Count).Select(row => Convert.ToHexString(SHA256.HashData(batch.Images.Row(row)))).ToArray();

    private static long Decoded(IEnumerable<BatchPipeline> nodes) => nodes.Sum(n => n.Counters.SamplesDecoded + n.Counters.SamplesFailed);

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    public async Task Nodes_assemble_the_single_nodes_batches_sample_by_sample(int nodes)
    {
        using var dir = new TempDirectory();
        var data = await DataAsync(dir);
        // 9 batches of 20 from 120 rows (4 + 3 unusable): every lane crosses into epoch 1.
        var (single, one, singleNext) = await RunAsync(data, 1, null, 9);
        var (global, many, next) = await RunAsync(data, nodes, null, 9);

        for (var b = 0; b < single.Count; b++)
        {
            Assert.Equal(single[b].SampleIds, global[b].SampleIds);
            Assert.Equal(PixelHashes(single[b]), PixelHashes(global[b]));
            Assert.Equal(single[b].Tokens, global[b].Tokens);
            Assert.Equal(single[b].Lanes, global[b].Lanes);
        }
        Assert.Equal(singleNext, next);
        Assert.True(single[^1].Next.Lanes.All(l => l.Epoch == 1), "every lane ran into its next epoch");
        var ids = single.SelectMany(b => b.SampleIds).ToList();
        Assert.DoesNotContain(5L, ids);
        Assert.DoesNotContain(41L, ids);
        Assert.DoesNotContain(77L, ids);
        Assert.DoesNotContain(ids, id => id is >= 56 and < 60); // row group 2 of c.parquet (rows 48..71)
        // L = 10 lanes of 2 slots: 2 and 5 nodes split between lanes, so each sample is decoded once in the cluster;
        // 3 nodes (rows [0, 6), [6, 13), [13, 20)) cut lane 6 (slots 12 and 13), which both neighbours decode.
        if (nodes is 2 or 5) Assert.Equal(Decoded(one), Decoded(many));
        else Assert.InRange(Decoded(many), Decoded(one) + 1, Decoded(one) * 12 / 10);
        Assert.All(many, node => Assert.True(node.Counters.SamplesDecoded + node.Counters.SamplesFailed <= Decoded(one) * 1.0 / nodes + Decoded(one) / Lanes + 1,
            $"a node decoded {node.Counters.SamplesDecoded + node.Counters.SamplesFailed} of {Decoded(one)}"));
    }

    [Fact]
    public async Task A_run_resumed_with_another_node_count_continues_with_the_same_batches()
    {
        using var dir = new TempDirectory();
        var data = await DataAsync(dir);
        var (uninterrupted, _, _) = await RunAsync(data, 1, null, 8);

        var (firstPart, _, cursor) = await RunAsync(data, 2, null, 3);
        var resumedCursor = Cursor.FromJson(cursor.ToJson());
        var (secondPart, _, _) = await RunAsync(data, 3, resumedCursor, 5);

        Assert.Equal(uninterrupted.SelectMany(b => b.SampleIds), firstPart.Concat(secondPart).SelectMany(b => b.SampleIds));
        Assert.Equal(uninterrupted.SelectMany(PixelHashes), firstPart.Concat(secondPart).SelectMany(PixelHashes));
        Assert.Equal(Enumerable.Range(3, 5).Select(g => (long)g), secondPart.Select(b => b.GlobalBatch));
    }

    [Fact]
    public async Task Nodes_that_read_different_data_are_caught_before_training()
    {
        using var dir = new TempDirectory();
        var data = await DataAsync(dir);
        var parts = new List<TrainingBatch>();
        for (var k = 0; k < 3; k++)
        {
            var node = await NodeAsync(data);
            parts.Add((await Pipelines.TakeAsync(node, node.Start, 1, RowRange.OfRanks(k, 1, 3, BatchSize)))[0]);
        }
        var start = Cursor.Start(Lanes);
        var next = new BatchAgreement(start).Agree(parts.Select(BatchReport.Of).ToList());
        Assert.Equal(1, next.GlobalBatch);
        Assert.All(next.Lanes, lane => Assert.InRange(lane.Position, 2, 8)); // 2 slots a lane, a few unusable rows skipped
        // 3 nodes: rows [0, 6), [6, 13), [13, 20); lane 6 has slots 12 and 13, so nodes 1 and 2 both report it.
        var diverged = parts[2] with { Lanes = parts[2].Lanes.Select(l => l.Lane == 6 ? l with { Digest = l.Digest ^ 1 } : l).ToArray() };
        var error = Assert.Throws<BatchDivergedException>(() => new BatchAgreement(start).Agree([BatchReport.Of(parts[0]), BatchReport.Of(parts[1]), BatchReport.Of(diverged)]));
        Assert.Contains("trainers 1 and 2 decoded different samples for lane 6 of global batch 0", error.Message);

        var skipped = Assert.Throws<BatchDivergedException>(() => new BatchAgreement(start).Agree([BatchReport.Of(parts[0]), BatchReport.Of(parts[1]) with { GlobalBatch = 1 }]));
        Assert.Contains("trainer 1 got global batch 1, the group is at global batch 0", skipped.Message);

        var missing = Assert.Throws<BatchDivergedException>(() => new BatchAgreement(start).Agree([BatchReport.Of(parts[0]), BatchReport.Of(parts[1])]));
        Assert.Contains("no trainer reported lane(s) 7, 8, 9 of global batch 0", missing.Message);

        var stale = new Cursor(0, start.Lanes.Select((l, j) => j == 3 ? new LanePosition(0, 1) : l).ToArray());
        var moved = Assert.Throws<BatchDivergedException>(() => new BatchAgreement(stale).Agree([BatchReport.Of(parts[1])]));
        Assert.Contains("trainer 0: lane 3 starts at epoch 0 position 0, the last batch left it at epoch 0 position 1", moved.Message);
    }

    [Fact]
    public void Lane_layout_splits_slots_and_finds_a_nodes_lanes()
    {
        var layout = LaneLayout.For(configuredLanes: 12, rowGroups: 40, batchSize: 64);
        Assert.Equal(12, layout.Lanes);
        Assert.Equal(64, Enumerable.Range(0, 12).Sum(j => layout.Slots(j).Count));
        Assert.Equal([0, 1, 2, 3], layout.LanesOverlapping(RowRange.OfRanks(0, 1, 3, 64)));
        Assert.Equal([4, 5, 6, 7], layout.LanesOverlapping(RowRange.OfRanks(1, 1, 3, 64)));
        Assert.Equal(3, LaneLayout.For(12, rowGroups: 3, batchSize: 64).Lanes);
        Assert.Equal(2, LaneLayout.For(12, rowGroups: 40, batchSize: 2).Lanes);
    }
}
