namespace TinyClip.Actors.Collectives;

/// <summary>Identifies one collective call, so that members that disagree about where they are fail loudly.</summary>
public readonly record struct CollectiveTag(int Generation, long Step, string Phase)
{
    public override string ToString() => $"generation {Generation}, step {Step}, {Phase}";
}

/// <summary>
/// The collectives a data-parallel trainer needs. Calls block the calling (dedicated trainer) thread until every
/// member has contributed; every member must make the same calls in the same order with the same tags.
/// A member that disappears or fails makes the current call throw <see cref="CollectiveAbortedException"/> for all.
/// </summary>
public interface ICollective
{
    int Rank { get; }
    int WorldSize { get; }

    /// <summary>Concatenation of every member's <paramref name="local"/> in rank order (lengths may differ).
    /// The array must not change until the call returns.</summary>
    float[] AllGather(float[] local, CollectiveTag tag);

    /// <summary>Replaces <paramref name="buffer"/> by the element-wise sum over members, added in rank order (every member gets identical bits).</summary>
    void AllReduceSum(float[] buffer, CollectiveTag tag);

    /// <summary>
    /// This member's segment of the element-wise sum over members: the segments are consecutive in rank order, of
    /// lengths <paramref name="counts"/> (one per member, together <paramref name="buffer"/>'s length, the same on every
    /// member). Added in the same order as <see cref="AllReduceSum"/>, so the bits equal that segment of its result.
    /// The array must not change until the call returns.
    /// </summary>
    float[] ReduceScatterSum(float[] buffer, int[] counts, CollectiveTag tag);

    void Barrier(CollectiveTag tag);

    /// <summary>Fails the current and every later call of every member (e.g. after a member's exception).</summary>
    void Abort(string reason);
}

public sealed class CollectiveAbortedException(string message) : Exception(message);
