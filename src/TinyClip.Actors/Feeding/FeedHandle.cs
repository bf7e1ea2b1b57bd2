using System.Threading.Channels;
using Akka.Streams;
using TinyClip.Data.Pipeline;

namespace TinyClip.Actors.Feeding;

/// <summary>A running feed: read batches from <see cref="Batches"/>, call <see cref="Stop"/> when done (e.g. before resuming elsewhere).</summary>
public sealed class FeedHandle(ChannelReader<TrainingBatch> batches, UniqueKillSwitch killSwitch)
{
    public ChannelReader<TrainingBatch> Batches => batches;

    public void Stop() => killSwitch.Shutdown();
}
