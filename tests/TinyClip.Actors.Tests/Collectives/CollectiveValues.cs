namespace TinyClip.Actors.Tests.Collectives;

/// <summary>Test summands whose sums show the order of additions.</summary>
internal static class CollectiveValues
{
    /// <summary>Values of mixed magnitudes, so that a different order of additions would change bits.</summary>
    public static float[] Contribution(int rank, long step, int length) =>
        Enumerable.Range(0, length).Select(i => (float)(Math.Sin(rank * 7919 + i * 31 + step) * Math.Pow(10, (i + rank) % 7 - 3))).ToArray();

    /// <summary>The bit patterns of <paramref name="values"/>, for comparisons that are bitwise, not approximate.</summary>
    public static int[] Bits(ReadOnlySpan<float> values)
    {
        var bits = new int[values.Length];
        for (int i = 0; i < values.Length; i++) bits[i] = BitConverter.SingleToInt32Bits(values[i]);
        return bits;
    }
}
