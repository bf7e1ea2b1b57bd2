using Akka.Configuration;
using TinyClip.Actors.Cluster;
using TinyClip.Actors.Configuration;

namespace TinyClip.Actors.Collectives;

/// <summary>How cross-node collectives move data (tinyclip.collectives), validated at start-up.</summary>
/// <param name="ChunkBytes">Float payload of one remote message; a chunk plus its envelope must fit Akka's frame.</param>
/// <param name="ChunksInFlight">Unacknowledged chunks per destination: bounds what queues ahead of cluster heartbeats.</param>
/// <param name="Timeout">Longest wait for a peer before the generation is aborted.</param>
public sealed record CollectiveSettings(int ChunkBytes, int ChunksInFlight, TimeSpan Timeout)
{
    /// <summary>Room left in a frame for the chunk header and Akka's envelope (recipient and sender paths).</summary>
    public const int EnvelopeReserveBytes = 8192;

    public int FloatsPerChunk => ChunkBytes / sizeof(float);

    public static CollectiveSettings Read(Config config, RemotingSettings remoting)
    {
        var collectives = new SettingsReader(config, "tinyclip.collectives");
        long chunkBytes = collectives.Bytes("chunk-bytes", sizeof(float), int.MaxValue);
        if (chunkBytes + EnvelopeReserveBytes > remoting.MaximumFrameSize)
            throw new InvalidSettingException(collectives.Key("chunk-bytes"),
                $"{chunkBytes} bytes plus {EnvelopeReserveBytes} bytes of message envelope must fit tinyclip.remoting.maximum-frame-size ({remoting.MaximumFrameSize} bytes); " +
                "Akka drops larger messages");
        return new CollectiveSettings((int)chunkBytes, collectives.Int("chunks-in-flight", 1, 1024), collectives.Duration("timeout"));
    }
}
