using System.Threading.Channels;
using TinyClip.Data.Pipeline;

namespace TinyClip.Actors.Training;

/// <summary>
/// Splits a stream of global batches into one bounded channel per local trainer (trainer k gets rows
/// [k*N/W, (k+1)*N/W)). The bound is the back-pressure: the source is only read as fast as the slowest trainer
/// consumes. A failing source completes every channel with its error, so trainers fail instead of waiting.
/// </summary>
public sealed class BatchFanOut
{
    private readonly Channel<TrainingBatch>[] _channels;

    public BatchFanOut(int worldSize, int capacity)
    {
        _channels = Enumerable.Range(0, worldSize)
            .Select(_ => Channel.CreateBounded<TrainingBatch>(new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true }))
            .ToArray();
    }

    public ChannelReader<TrainingBatch> Reader(int rank) => _channels[rank].Reader;

    /// <summary>Copies <paramref name="globalBatches"/> into the channels until the source ends or is cancelled.</summary>
    public Task RunAsync(IAsyncEnumerable<TrainingBatch> globalBatches, CancellationToken cancellationToken) => Task.Run(async () =>
    {
        Exception? failure = null;
        try
        {
            await foreach (var batch in globalBatches.WithCancellation(cancellationToken))
                for (int rank = 0; rank < _channels.Length; rank++)
                    await _channels[rank].Writer.WriteAsync(batch.SliceFor(rank, _channels.Length), cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested) { }
        catch (Exception e) { failure = e; }
        foreach (var channel in _channels) channel.Writer.TryComplete(failure);
    }, CancellationToken.None);
}
