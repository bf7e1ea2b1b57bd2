using System.Collections.Immutable;
using Akka;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using TinyClip.Data;
using TinyClip.Data.Ordering;
using TinyClip.Data.Pipeline;

namespace TinyClip.Actors.Feeding;

/// <summary>
/// The Akka.Streams graph that feeds a node's trainers: one branch per lane with slots among the node's rows,
/// <code>
/// lane windows from the lane's position --SelectAsync(read-ahead)--> rows of a window --SelectMany--> candidates in order
///   --SelectAsync(decode-parallelism, on the decode dispatcher)--> processed samples (order kept)
///   --StatefulSelectMany(LaneChunker)--> the lane's chunk of each global batch
/// </code>
/// zipped (one chunk of every lane) into the node's rows of each global batch --> channel (capacity batches-in-flight).
/// Every stage is demand-driven with input buffers of one element, so what is alive is bounded by configuration, per
/// lane: (read-ahead + 1) windows of K row groups of encoded bytes, decode-parallelism decoded samples and one chunk.
/// Ordered SelectAsync makes the output identical to <see cref="SampleSource"/>'s whatever the timing.
/// </summary>
public static class BatchFeed
{
    public static Source<TrainingBatch, NotUsed> Create(BatchPipeline pipeline, Cursor from, RowRange rows, ActorSystem system)
    {
        var stream = pipeline.Settings.Stream;
        if (!system.Dispatchers.HasDispatcher(stream.DecodeDispatcher))
            throw new DataConfigurationException($"dispatcher '{stream.DecodeDispatcher}' (tinyclip.data.stream.decode-dispatcher) is not configured");
        var decodeDispatcher = system.Dispatchers.Lookup(stream.DecodeDispatcher);

        Source<LaneChunk, NotUsed> Lane(int lane) =>
            Source.FromEnumerator(() => pipeline.WindowsFrom(lane, from.Lanes[lane]).GetEnumerator())
                .SelectAsync(stream.ReadAheadWindows, start => pipeline.LoadAsync(start))
                .SelectMany(window => window.Candidates())
                .SelectAsync(stream.DecodeParallelism, candidate => DispatcherWork.Run(decodeDispatcher, () => pipeline.Processor.Process(candidate)))
                .StatefulSelectMany<ProcessedSample, LaneChunk, NotUsed>(() => pipeline.NewChunker(lane, from.Lanes[lane]).Add);

        return Source.ZipN(pipeline.Layout.LanesOverlapping(rows).Select(Lane).ToList())
            .StatefulSelectMany<IImmutableList<LaneChunk>, TrainingBatch, NotUsed>(() =>
            {
                // One assembler per materialisation: its state is the number of the next global batch.
                var assembler = pipeline.NewAssembler(from, rows);
                return chunks => [assembler.Build(chunks)];
            })
            .WithAttributes(Attributes.CreateInputBuffer(1, 1));
    }

    /// <summary>
    /// Runs the graph into a bounded channel the trainer runtime reads from. The channel completes when
    /// the stream fails (the error surfaces on the reader) or is stopped with the returned handle.
    /// </summary>
    public static FeedHandle RunToChannel(BatchPipeline pipeline, Cursor from, RowRange rows, ActorSystem system)
    {
        var channel = System.Threading.Channels.Channel.CreateBounded<TrainingBatch>(
            new System.Threading.Channels.BoundedChannelOptions(pipeline.Settings.Stream.BatchesInFlight)
            {
                SingleWriter = true,
                FullMode = System.Threading.Channels.BoundedChannelFullMode.Wait,
            });
        var killSwitch = Create(pipeline, from, rows, system)
            .ViaMaterialized(KillSwitches.Single<TrainingBatch>(), Keep.Right)
            .To(ChannelSink.FromWriter(channel.Writer, isOwner: true))
            .Run(system.Materializer());
        return new FeedHandle(channel.Reader, killSwitch);
    }
}
