namespace TinyClip.Actors.Collectives;

/// <summary>The segments of a reduce-scatter: consecutive in member order, of the lengths every member passes.</summary>
public static class CollectiveSegments
{
    /// <summary>Start and length of every segment; throws when <paramref name="counts"/> does not split <paramref name="length"/> values among <paramref name="members"/>.</summary>
    public static (int Start, int Length)[] Of(IReadOnlyList<int> counts, int length, int members)
    {
        if (counts.Count != members) throw new ArgumentException($"{counts.Count} segment lengths for {members} members", nameof(counts));
        if (counts.Any(c => c < 0) || counts.Sum(c => (long)c) != length)
            throw new ArgumentException($"segment lengths [{string.Join(", ", counts)}] do not split {length} values", nameof(counts));
        var segments = new (int Start, int Length)[counts.Count];
        for (int i = 0, start = 0; i < counts.Count; start += counts[i++]) segments[i] = (start, counts[i]);
        return segments;
    }
}
