using TinyClip.Data.Manifest;

namespace TinyClip.Data.Ordering;

/// <summary>
/// K consecutive row groups of one lane's share of an epoch. Their samples, concatenated in row-group order, are
/// visited in <see cref="Permutation"/> order; the window occupies positions [<see cref="StartPosition"/>,
/// StartPosition + SampleCount) of the lane's order of the epoch.
/// </summary>
public sealed record OrderWindow(int Epoch, int Lane, int Index, long StartPosition, IReadOnlyList<ManifestRowGroup> RowGroups, ulong ShuffleSeed)
{
    public int SampleCount { get; } = checked((int)RowGroups.Sum(g => g.RowCount));

    public long EndPosition => StartPosition + SampleCount;

    /// <summary>Window-local sample indices in visiting order (computed on demand: O(window) memory).</summary>
    public int[] Permutation()
    {
        var order = Enumerable.Range(0, SampleCount).ToArray();
        new DeterministicRandom(ShuffleSeed).Shuffle(order);
        return order;
    }
}
