using Akka.Configuration;
using TinyClip.Actors.Cluster;
using TinyClip.Actors.Configuration;
using TinyClip.Configuration;

namespace TinyClip.Actors.Collectives;

/// <summary>How cross-node collectives move data (tinyclip.collectives, plus the remoting host and TLS), validated at start-up.</summary>
/// <param name="Hostname">Where the data listener binds: the remoting hostname (loopback unless configured).</param>
/// <param name="DataPort">Port of the data listener; 0 = any free port (peers learn it through the collective endpoint).</param>
/// <param name="ChunkBytes">Float payload of one data frame: the receiver stores (and the leader may use) a message frame by frame.</param>
/// <param name="Timeout">Longest wait for a peer before the generation is aborted.</param>
/// <param name="Tls">Data connections use TLS with the remoting certificate when remoting does.</param>
public sealed record CollectiveSettings(string Hostname, int DataPort, int ChunkBytes, TimeSpan Timeout, TlsSettings Tls)
{
    public int FloatsPerChunk => ChunkBytes / sizeof(float);

    public static CollectiveSettings Read(Config config, RemotingSettings remoting)
    {
        var collectives = new SettingsReader(config, "tinyclip.collectives");
        return new CollectiveSettings(remoting.Hostname, collectives.Int("data-port", 0, 65535),
            (int)collectives.Bytes("chunk-bytes", sizeof(float), 1L << 30), collectives.Duration("timeout"), remoting.Tls);
    }
}
