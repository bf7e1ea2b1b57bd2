using System.Runtime.CompilerServices;
using TinyClip.Data.Ordering;

namespace TinyClip.Data.Pipeline;

/// <summary>
/// The pull-based pipeline: a node's rows of every global batch from a cursor on, each lane decoded
/// <c>DecodeParallelism</c> samples at a time. Holds at most one window of rows and one chunk per lane; the consumer's
/// pace is the back-pressure. Useful on its own (tools, tests) and as the reference the Akka feed must agree with.
/// </summary>
public sealed class SampleSource(BatchPipeline pipeline)
{
    public BatchPipeline Pipeline => pipeline;

    /// <param name="rows">The rows to assemble; null for the whole global batch.</param>
    public async IAsyncEnumerable<TrainingBatch> ReadAsync(Cursor from, RowRange? rows = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var assembler = pipeline.NewAssembler(from, rows ?? RowRange.All(pipeline.Layout.BatchSize));
        var lanes = assembler.Lanes.Select(lane => LaneChunks(lane, from.Lanes[lane], cancellationToken).GetAsyncEnumerator(cancellationToken)).ToList();
        try
        {
            while (true)
            {
                var chunks = new List<LaneChunk>(lanes.Count);
                foreach (var lane in lanes)
                {
                    if (!await lane.MoveNextAsync()) yield break;
                    chunks.Add(lane.Current);
                }
                yield return assembler.Build(chunks);
            }
        }
        finally
        {
            foreach (var lane in lanes) await lane.DisposeAsync();
        }
    }

    private async IAsyncEnumerable<LaneChunk> LaneChunks(int lane, LanePosition from, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var chunker = pipeline.NewChunker(lane, from);
        var parallelism = pipeline.Settings.Stream.DecodeParallelism;
        foreach (var start in pipeline.WindowsFrom(lane, from))
        {
            var window = await pipeline.LoadAsync(start, cancellationToken);
            foreach (var group in window.Candidates().Chunk(parallelism))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var processed = group.AsParallel().AsOrdered().WithDegreeOfParallelism(parallelism)
                    .Select(pipeline.Processor.Process).ToArray();
                foreach (var sample in processed)
                    foreach (var chunk in chunker.Add(sample))
                        yield return chunk;
            }
        }
    }
}
