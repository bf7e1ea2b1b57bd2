using System.Threading.Channels;
using TinyClip.Data.Ordering;
using TinyClip.Data.Pipeline;

namespace TinyClip.Actors.Training;

/// <summary>
/// Splits a stream of a node's rows of each global batch into one bounded channel per local trainer (the trainer of
/// global rank k gets rows [k*N/W, (k+1)*N/W)). The bound is the back-pressure: the source is only read as fast as the
/// slowest trainer consumes. A failing source completes every channel with its error, so trainers fail instead of waiting.
/// </summary>
public sealed class BatchFanOut
{
    private readonly Channel<TrainingBatch>[] _channels;
    private readonly int _firstRank;
    private readonly int _worldSize;

    /// <param name="firstRank">Global rank of this node's first trainer.</param>
    /// <param name="localRanks">Trainers of this node (one channel each).</param>
    /// <param name="worldSize">Trainers of the whole generation (W).</param>
    public BatchFanOut(int firstRank, int localRanks, int worldSize, int capacity)
    {
        if (firstRank < 0 || localRanks < 1 || firstRank + localRanks > worldSize)
            throw new ArgumentOutOfRangeException(nameof(localRanks), $"ranks {firstRank}..{firstRank + localRanks - 1} of {worldSize}");
        _firstRank = firstRank;
        _worldSize = worldSize;
        _channels = Enumerable.Range(0, localRanks)
            .Select(_ => Channel.CreateBounded<TrainingBatch>(new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true }))
            .ToArray();
    }

    /// <summary>The rows of a global batch of <paramref name="batchSize"/> this node's trainers hold.</summary>
    public RowRange NodeRows(int batchSize) => RowRange.OfRanks(_firstRank, _channels.Length, _worldSize, batchSize);

    /// <summary>The channel of this node's <paramref name="localIndex"/>-th trainer.</summary>
    public ChannelReader<TrainingBatch> Reader(int localIndex) => _channels[localIndex].Reader;

    /// <summary>Copies each trainer's rows of <paramref name="nodeBatches"/> into the channels until the source ends or is cancelled.</summary>
    public Task RunAsync(IAsyncEnumerable<TrainingBatch> nodeBatches, CancellationToken cancellationToken) => Task.Run(async () =>
    {
        Exception? failure = null;
        try
        {
            await foreach (var batch in nodeBatches.WithCancellation(cancellationToken))
                for (int index = 0; index < _channels.Length; index++)
                    await _channels[index].Writer.WriteAsync(batch.SliceFor(_firstRank + index, _worldSize), cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested) { }
        catch (Exception e) { failure = e; }
        foreach (var channel in _channels) channel.Writer.TryComplete(failure);
    }, CancellationToken.None);
}
