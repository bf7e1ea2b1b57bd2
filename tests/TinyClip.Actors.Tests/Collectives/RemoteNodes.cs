using Akka.Actor;
using Akka.Configuration;
using TinyClip.Actors.Cluster;
using TinyClip.Actors.Collectives;
using TinyClip.Actors.Configuration;
using TinyClip.Actors.Hosting;
using TinyClip.Configuration;

namespace TinyClip.Actors.Tests.Collectives;

/// <summary>Several ActorSystems in this test process, each with real remoting on 127.0.0.1 (port 0) and a NodeExchange.</summary>
internal sealed class RemoteNodes : IDisposable
{
    private readonly IReadOnlyList<HostedActorSystem> _hosts;

    private RemoteNodes(IReadOnlyList<HostedActorSystem> hosts, IReadOnlyList<NodeExchange> exchanges)
    {
        _hosts = hosts;
        Exchanges = exchanges;
    }

    public IReadOnlyList<ActorSystem> Systems => _hosts.Select(h => h.System).ToList();
    public IReadOnlyList<NodeExchange> Exchanges { get; }

    /// <param name="settings">tinyclip.* overrides (key=value), applied to every node.</param>
    public static RemoteNodes Start(int count, params string[] settings)
    {
        var hosts = new List<HostedActorSystem>();
        var exchanges = new List<NodeExchange>();
        for (int i = 0; i < count; i++)
        {
            var host = StartSystem($"node{i}", settings);
            hosts.Add(host);
            exchanges.Add(NodeExchange.Start(host.System, CollectiveSettings.Read(Config(settings), RemotingSettings.Read(Config(settings)))));
        }
        return new RemoteNodes(hosts, exchanges);
    }

    public static Config Config(params string[] settings) => TinyClipConfig.Overrides(settings).WithFallback(TinyClipConfig.Reference);

    /// <summary>An actor system with remoting (no cluster), composed by the host builder as a node's is.</summary>
    public static HostedActorSystem StartSystem(string name, params string[] settings)
    {
        var config = Config(settings);
        return TinyClipHost.StartAsync(new HostPlan(name, config) { Remoting = RemotingSettings.Read(config) }).GetAwaiter().GetResult();
    }

    /// <summary>The topology of <paramref name="ranksPerNode"/> over these nodes, as node <paramref name="thisNode"/> sees it.</summary>
    public CollectiveTopology Topology(int generation, IReadOnlyList<int> ranksPerNode, int thisNode)
    {
        var slots = new List<NodeSlot>();
        int first = 0;
        for (int node = 0; node < ranksPerNode.Count; node++)
        {
            slots.Add(new NodeSlot(Exchanges[node].Address, first, ranksPerNode[node]));
            first += ranksPerNode[node];
        }
        return new CollectiveTopology(generation, slots, thisNode);
    }

    /// <summary>One group per node, for the same generation.</summary>
    public IReadOnlyList<HierarchicalCollectiveGroup> Groups(int generation, IReadOnlyList<int> ranksPerNode, TimeSpan timeout) =>
        Enumerable.Range(0, ranksPerNode.Count)
            .Select(node => new HierarchicalCollectiveGroup(Topology(generation, ranksPerNode, node), Exchanges[node], timeout)).ToList();

    /// <summary>Runs <paramref name="body"/> for every member of every group, each on its own thread; rethrows nothing, returns each member's error.</summary>
    public static IReadOnlyDictionary<int, Exception?> RunMembers(IEnumerable<ICollectiveGroup> groups, Action<ICollective> body, TimeSpan limit)
    {
        var errors = new System.Collections.Concurrent.ConcurrentDictionary<int, Exception?>();
        var threads = groups.SelectMany(g => g.Members).Select(member => new Thread(() =>
        {
            try
            {
                body(member);
                errors[member.Rank] = null;
            }
            catch (Exception e) { errors[member.Rank] = e; }
        }) { IsBackground = true }).ToList();
        threads.ForEach(t => t.Start());
        foreach (var thread in threads) Assert.True(thread.Join(limit), $"a member did not return within {limit}");
        return errors;
    }

    public void Dispose() => Task.WaitAll(_hosts.Select(h => h.DisposeAsync().AsTask()).ToArray(), TimeSpan.FromSeconds(20));
}
