namespace TinyClip.Actors.Collectives;

/// <summary>
/// The collectives of one attempt of a stage, as seen by this process: one <see cref="ICollective"/> per local
/// trainer (index = local index; each member's <see cref="ICollective.Rank"/> is its global rank).
/// </summary>
public interface ICollectiveGroup
{
    IReadOnlyList<ICollective> Members { get; }

    /// <summary>Fails the current and every later call of every member, local and (for cross-node groups) remote.</summary>
    void Abort(string reason);
}

/// <summary>A process taking part in a generation: its Akka address and the global ranks of its trainers.</summary>
/// <param name="Address">The node's Akka address, e.g. <c>akka.tcp://tinyclip@127.0.0.1:4053</c>.</param>
public sealed record NodeSlot(string Address, int FirstRank, int Ranks);

/// <summary>Who takes part in a generation's collectives, in rank order, and which of the nodes this process is.</summary>
public sealed record CollectiveTopology(int Generation, IReadOnlyList<NodeSlot> Nodes, int ThisNode)
{
    public int WorldSize => Nodes.Sum(n => n.Ranks);
    public NodeSlot Local => Nodes[ThisNode];
}
