namespace TinyClip.Data.Ordering;

/// <summary>Rows [<paramref name="Start"/>, <paramref name="End"/>) of a global batch.</summary>
public readonly record struct RowRange(long Start, long End)
{
    public int Count => checked((int)(End - Start));

    public bool Contains(RowRange inner) => inner.Start >= Start && inner.End <= End;

    /// <summary>The rows of trainers <paramref name="firstRank"/> .. firstRank+ranks-1 of <paramref name="worldSize"/>:
    /// trainer k holds rows [k*N/W, (k+1)*N/W), so N need not divide by W.</summary>
    public static RowRange OfRanks(int firstRank, int ranks, int worldSize, int batchSize)
    {
        if (worldSize <= 0 || firstRank < 0 || ranks < 1 || firstRank + ranks > worldSize)
            throw new ArgumentOutOfRangeException(nameof(ranks), $"ranks {firstRank}..{firstRank + ranks - 1} of {worldSize}");
        return new((long)firstRank * batchSize / worldSize, (long)(firstRank + ranks) * batchSize / worldSize);
    }

    public static RowRange All(int batchSize) => new(0, batchSize);

    public override string ToString() => $"rows [{Start}, {End})";
}
