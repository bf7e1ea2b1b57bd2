using System.Threading.Channels;

namespace TinyClip.Actors.Evaluation;

/// <summary>
/// Runs an asynchronous sequence on the thread pool at most a few items ahead of a synchronous consumer: the next
/// batches decode while the current one is encoded, and the consumer keeps its own thread (TorchSharp's dispose
/// scopes and no-grad mode are per thread, so the encoding must not hop threads at an await).
/// </summary>
public static class ReadAhead
{
    /// <param name="capacity">Items produced but not yet consumed, at most.</param>
    public static IEnumerable<T> Of<T>(IAsyncEnumerable<T> source, int capacity, CancellationToken cancellationToken)
    {
        if (capacity <= 0) throw new ArgumentOutOfRangeException(nameof(capacity), "must be positive");
        var channel = Channel.CreateBounded<T>(new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var producer = Task.Run(async () =>
        {
            try
            {
                await foreach (var item in source.WithCancellation(stop.Token)) await channel.Writer.WriteAsync(item, stop.Token);
                channel.Writer.Complete();
            }
            catch (Exception e)
            {
                // The consumer sees the producer's failure (or cancellation) at its next read.
                channel.Writer.Complete(e);
            }
        }, CancellationToken.None); // it must start even when cancelled: it is what completes the channel
        try
        {
            while (channel.Reader.WaitToReadAsync(cancellationToken).AsTask().GetAwaiter().GetResult())
                while (channel.Reader.TryRead(out var item)) yield return item;
        }
        finally
        {
            // A consumer that stops early (or fails) stops the producer before the sequence's resources go.
            stop.Cancel();
            producer.GetAwaiter().GetResult();
        }
    }
}
