using Akka.Actor;
using TinyClip.Actors.Collectives;

namespace TinyClip.Actors.Runtime;

/// <summary>A process that registered with the supervisor: its address, the actor that runs its trainers, and their devices
/// (none for a node that only coordinates; it is still told when the run ends).</summary>
public sealed record TrainerNode(string Address, IActorRef Agent, IReadOnlyList<string> Devices)
{
    public IEnumerable<string> MemberNames => Devices.Select((device, i) => $"{Address}/trainer-{i}:{device}");
}

/// <summary>
/// The supervisor's view of who can train, without actors: registered nodes, and the nodes of the active generation.
/// Nodes are ordered by address, so ranks (and with them the slices of the global batch and the order of reductions)
/// are a function of the member set alone, not of the order in which nodes happened to register.
/// </summary>
public sealed class TrainerRoster(int minTrainerNodes)
{
    private readonly SortedDictionary<string, TrainerNode> _registered = new(StringComparer.Ordinal);
    private IReadOnlyList<TrainerNode> _active = Array.Empty<TrainerNode>();

    /// <summary>Every registered node, trainers or not (all are told when the run ends).</summary>
    public IReadOnlyCollection<TrainerNode> Registered => _registered.Values;

    public IReadOnlyList<TrainerNode> Trainers => _registered.Values.Where(n => n.Devices.Count > 0).ToList();

    /// <summary>The nodes of the generation the supervisor last formed.</summary>
    public IReadOnlyList<TrainerNode> Active => _active;

    /// <summary>Adds or refreshes a node; true when it is new or its agent or devices changed (a restarted process).</summary>
    public bool Register(TrainerNode node)
    {
        if (_registered.TryGetValue(node.Address, out var known) && known.Agent.Equals(node.Agent) && known.Devices.SequenceEqual(node.Devices))
            return false;
        _registered[node.Address] = node;
        return true;
    }

    /// <summary>Forgets the node whose agent is <paramref name="agent"/>; true when it belonged to the active generation.</summary>
    public bool Remove(IActorRef agent)
    {
        var node = _registered.Values.FirstOrDefault(n => n.Agent.Equals(agent));
        if (node is null) return false;
        _registered.Remove(node.Address);
        return _active.Any(n => n.Agent.Equals(agent));
    }

    public bool IsRegistered(string address) => _registered.ContainsKey(address);

    /// <summary>Enough trainer nodes to form a generation: the configured minimum for the run's first one (so that the
    /// run does not start on whichever node came first), afterwards any (a run survives the loss of all but one).</summary>
    public bool CanFormGeneration(bool firstOfRun) => Trainers.Count >= (firstOfRun ? Math.Max(1, minTrainerNodes) : 1);

    /// <summary>Trainer nodes registered since the active generation was formed (they join at the next checkpoint).</summary>
    public bool HasJoiners => Trainers.Any(n => !_active.Contains(n));

    /// <summary>The member names a generation formed now would have, in rank order.</summary>
    public IReadOnlyList<string> MemberNames() => Trainers.SelectMany(n => n.MemberNames).ToList();

    /// <summary>Makes every registered trainer node part of the active generation.</summary>
    public void Activate() => _active = Trainers;

    /// <summary>The active generation's collective topology as seen by <paramref name="node"/>, numbered <paramref name="session"/>.</summary>
    public CollectiveTopology TopologyFor(int session, TrainerNode node)
    {
        var slots = new List<NodeSlot>();
        int rank = 0;
        foreach (var n in _active)
        {
            slots.Add(new NodeSlot(n.Address, rank, n.Devices.Count));
            rank += n.Devices.Count;
        }
        return new CollectiveTopology(session, slots, _active.ToList().IndexOf(node));
    }
}
