using Akka.Actor;
using TinyClip.Actors.Feeding;
using TinyClip.Data.Ordering;
using TinyClip.Data.Pipeline;

namespace TinyClip.Benchmarks.Harness;

/// <summary>One timed epoch of the Akka.Streams feed: from materialising the graph to reading the last batch off its channel.</summary>
public static class FeedEpoch
{
    /// <returns>Seconds.</returns>
    public static Task<double> TimeAsync(BatchPipeline pipeline, int batches, ActorSystem system, CancellationToken cancellationToken) =>
        Stopwatches.TimeAsync(async () =>
        {
            var feed = BatchFeed.RunToChannel(pipeline, pipeline.Start, RowRange.All(pipeline.Layout.BatchSize), system);
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromMinutes(5));
                for (int b = 0; b < batches; b++) await feed.Batches.ReadAsync(timeout.Token);
            }
            finally
            {
                feed.Stop();
            }
        });
}
