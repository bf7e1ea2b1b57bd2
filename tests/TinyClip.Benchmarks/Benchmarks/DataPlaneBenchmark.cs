using TinyClip.Actors.Feeding;
using TinyClip.Benchmarks.Harness;
using TinyClip.Data.Ordering;
using TinyClip.Data.Pipeline;

namespace TinyClip.Benchmarks.Benchmarks;

/// <summary>
/// What each node of a cluster reads and decodes with the lane data plane, for 1, 2 and 3 trainer nodes: the node's
/// feed (the one `tinyclip node` runs) over the same global batches, its counters against the single node's.
/// </summary>
public sealed class DataPlaneBenchmark : IBenchmark
{
    private const int ImageSize = 64, RowGroupSize = 100, BatchSize = 48;

    public string Name => "dataplane";

    public async Task<BenchmarkSection> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        int rows = options.Pick(2400, 4800);
        int batches = options.Pick(30, 90);
        var section = new BenchmarkSection("11. Data plane: what each node reads and decodes",
            $"{rows} synthetic {ImageSize} px samples in img2dataset shards (row groups of {RowGroupSize}: {rows / RowGroupSize} of them), global batch " +
            $"{BatchSize}, the shipped 12 lanes and stream settings. For W trainer nodes of one trainer each, node k runs `BatchFeed.RunToChannel` for " +
            $"its rows `[k*N/W, (k+1)*N/W)` (the graph `tinyclip node` runs) and reads {batches} batches off the channel; each node's feed runs alone, " +
            "one after the other, with its own counters: samples decoded (usable or not) and bytes read from the Parquet files, including what the " +
            "feed decodes ahead of the trainers. Ratios are to the single node's figures in the same run; before the lane data plane every node " +
            $"did the single node's work (ratio 1). Target: each node at most 1/W + 0.1. One untimed warm-up feed, then " +
            $"{options.Repeats} timed repeats per node (the counters are the same every repeat).")
            .Columns("W", "node", "samples decoded", "ratio", "bytes read", "ratio", "feed seconds", "ratio");

        using var scratch = new TempDirectory("dataplane");
        var train = await SyntheticShards.WriteAsync(scratch.Path, rows, ImageSize, RowGroupSize, cancellationToken);
        using var system = SyntheticShards.ActorSystem();
        var settings = SyntheticShards.Settings(s => s with
        {
            Decode = s.Decode with { ImageSize = ImageSize },
            Order = s.Order with { BatchSize = BatchSize },
        });

        await NodeAsync(train, settings, RowRange.All(BatchSize), batches, 1, system, cancellationToken); // warm-up (JIT, caches)
        (long Decoded, long Bytes, Spread Seconds)? single = null;
        foreach (var nodes in new[] { 1, 2, 3 })
            for (var k = 0; k < nodes; k++)
            {
                var rowsOfNode = RowRange.OfRanks(k, 1, nodes, BatchSize);
                var work = await NodeAsync(train, settings, rowsOfNode, batches, options.Repeats, system, cancellationToken);
                single ??= work;
                section.Row(nodes.ToString(), $"{k} ({rowsOfNode})", work.Decoded.ToString(), ((double)work.Decoded / single.Value.Decoded).ToString("F3"),
                    work.Bytes.ToString("N0"), ((double)work.Bytes / single.Value.Bytes).ToString("F3"), work.Seconds.Format("F2"),
                    (work.Seconds.Median / single.Value.Seconds.Median).ToString("F2"));
            }
        section.Note($"{batches * BatchSize} samples trained. With 12 lanes of 4 slots, 2 and 3 nodes split between lanes: no lane is decoded twice. " +
                     "Work beyond 1/W is what each node's feed decodes ahead of its trainers (read-ahead windows, batches in flight), the same on every node.");
        return section;
    }

    /// <summary>One node's feed: its counters after <paramref name="batches"/> batches (the same every repeat) and the feed's times.</summary>
    private static async Task<(long Decoded, long Bytes, Spread Seconds)> NodeAsync(string train, Data.Settings.DataSettings settings, RowRange rows,
        int batches, int repeats, Akka.Actor.ActorSystem system, CancellationToken cancellationToken)
    {
        long decoded = 0, bytes = 0;
        var seconds = new List<double>();
        for (var repeat = 0; repeat < repeats; repeat++)
        {
            var pipeline = await SyntheticShards.PipelineAsync(train, settings, cancellationToken);
            seconds.Add(await Stopwatches.TimeAsync(async () =>
            {
                var feed = BatchFeed.RunToChannel(pipeline, pipeline.Start, rows, system);
                try
                {
                    for (var b = 0; b < batches; b++) await feed.Batches.ReadAsync(cancellationToken);
                }
                finally
                {
                    feed.Stop();
                }
            }));
            (decoded, bytes) = (pipeline.Counters.SamplesDecoded + pipeline.Counters.SamplesFailed, pipeline.Counters.BytesRead);
        }
        return (decoded, bytes, Spread.Of(seconds));
    }
}
