namespace TinyClip.Actors.Collectives;

// Messages between the collective endpoints of different nodes. They are bound to CollectiveSerializer (binary,
// raw floats), not to the JSON serializer of ITinyClipMessage: a chunk is up to a megabyte of floats.

/// <summary>What a chunk carries within one exchange call.</summary>
public enum CollectivePart : byte
{
    /// <summary>A node's data for an all-gather, or the slice of its partial sum that another node owns (reduce-scatter).</summary>
    Contribution = 0,

    /// <summary>The owner's sum of its slice, sent back to every node (the all-gather half of an all-reduce).</summary>
    Reduced = 1,
}

/// <summary>
/// Values [Offset, Offset + Values.Count) of a message of <paramref name="TotalLength"/> floats from node
/// <paramref name="Source"/> to node <paramref name="Destination"/> (indices in the generation's topology).
/// <paramref name="Call"/> counts the exchange calls of the generation, so two calls with equal tags never mix.
/// </summary>
public sealed record CollectiveChunk(
    CollectiveTag Tag, int Call, CollectivePart Part, int Source, int Destination, int Offset, int TotalLength, ArraySegment<float> Values);

/// <summary>Node <paramref name="Node"/> received one chunk of the generation: its sender may send one more.</summary>
public sealed record CollectiveChunkAck(int Generation, int Node);

/// <summary>A node aborted <paramref name="Generation"/>: every node fails its current and later calls of it.</summary>
public sealed record CollectiveAbortNotice(int Generation, string Reason);
