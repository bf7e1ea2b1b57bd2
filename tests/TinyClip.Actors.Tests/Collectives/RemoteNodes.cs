using Akka.Actor;
using Akka.Configuration;
using TinyClip.Actors.Cluster;
using TinyClip.Actors.Collectives;
using TinyClip.Actors.Configuration;
using TinyClip.Configuration;

namespace TinyClip.Actors.Tests.Collectives;

/// <summary>Several ActorSystems in this test process, each with real remoting on 127.0.0.1 (port 0) and a NodeExchange.</summary>
internal sealed class RemoteNodes : IDisposable
{
    private RemoteNodes(IReadOnlyList<ActorSystem> systems, IReadOnlyList<NodeExchange> exchanges)
    {
        Systems = systems;
        Exchanges = exchanges;
    }

    public IReadOnlyList<ActorSystem> Systems { get; }
    public IReadOnlyList<NodeExchange> Exchanges { get; }

    /// <param name="settings">tinyclip.* overrides (key=value), applied to every node.</param>
    public static RemoteNodes Start(int count, params string[] settings)
    {
        var systems = new List<ActorSystem>();
        var exchanges = new List<NodeExchange>();
        for (int i = 0; i < count; i++)
        {
            var system = StartSystem($"node{i}", settings);
            systems.Add(system);
            exchanges.Add(NodeExchange.Start(system, CollectiveSettings.Read(Config(settings), RemotingSettings.Read(Config(settings)))));
        }
        return new RemoteNodes(systems, exchanges);
    }

    public static Config Config(params string[] settings) => TinyClipConfig.Overrides(settings).WithFallback(TinyClipConfig.Reference);

    public static ActorSystem StartSystem(string name, params string[] settings)
    {
        var config = Config(settings);
        return ActorSystem.Create(name, RemotingConfig.Build(RemotingSettings.Read(config))
            .WithFallback(ConfigurationFactory.ParseString("akka.actor.provider = remote"))
            .WithFallback(config));
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

    public void Dispose() => Task.WaitAll(Systems.Select(s => s.Terminate()).ToArray(), TimeSpan.FromSeconds(20));
}
