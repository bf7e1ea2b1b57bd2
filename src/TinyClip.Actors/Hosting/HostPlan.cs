using Akka.Configuration;
using TinyClip.Actors.Cluster;
using TinyClip.Actors.Persistence;

namespace TinyClip.Actors.Hosting;

/// <summary>
/// What <see cref="TinyClipHost"/> composes an actor system from: the user's merged configuration (reference.conf,
/// their file, --set) and the parts that come from our validated settings. Each part left null is not added: no
/// journal (a trainer-only node, tests), no remoting (a single process), no cluster membership (remoting only).
/// </summary>
/// <param name="SystemName">The actor system's name, part of every remote address.</param>
/// <param name="Config">The user's HOCON; everything the typed parts do not set comes from here.</param>
public sealed record HostPlan(string SystemName, Config Config)
{
    public JournalDatabase? Journal { get; init; }
    public RemotingSettings? Remoting { get; init; }
    /// <summary>Membership of the run's cluster; needs <see cref="Remoting"/>.</summary>
    public ClusterSettings? Cluster { get; init; }
}
