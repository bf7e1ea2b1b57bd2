namespace TinyClip.Actors.Collectives;

// Control messages between the collective endpoints of different nodes, bound to CollectiveSerializer (binary). The
// payload itself never travels as an Akka message: it goes over the data connections (DataLink).

/// <summary>What a data message carries within one exchange call.</summary>
public enum CollectivePart : byte
{
    /// <summary>A node's data for an all-gather, or the slice of its partial sum that another node owns (reduce-scatter).</summary>
    Contribution = 0,

    /// <summary>The owner's sum of its slice, sent back to every node (the all-gather half of an all-reduce).</summary>
    Reduced = 1,
}

/// <summary>Asks the endpoint of node <paramref name="Address"/> for its data port; answered by <see cref="CollectiveWelcome"/>.</summary>
public sealed record CollectiveHello(string Address);

/// <summary>
/// Node <paramref name="Address"/>'s data listener accepts connections on <paramref name="DataPort"/> (of the host in
/// its Akka address). The sender is the node's endpoint actor, which the asking node then DeathWatches.
/// </summary>
public sealed record CollectiveWelcome(string Address, int DataPort);

/// <summary>A node aborted <paramref name="Generation"/>: every node fails its current and later calls of it.</summary>
public sealed record CollectiveAbortNotice(int Generation, string Reason);
