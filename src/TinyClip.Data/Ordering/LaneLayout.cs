namespace TinyClip.Data.Ordering;

/// <summary>
/// How a global batch of N slots is split among the run's lanes: lane j fills slots [j*N/L, (j+1)*N/L) of every
/// global batch from its own row groups. The lane count L is the configured <c>order.lanes</c>, lowered to the number of
/// row groups (a lane needs at least one) and to N (a lane needs at least one slot): a function of the data and the run
/// settings only, never of the trainers, so batches are the same for any number of trainers or nodes.
/// </summary>
public sealed record LaneLayout(int Lanes, int BatchSize)
{
    public static LaneLayout For(int configuredLanes, long rowGroups, int batchSize)
    {
        if (configuredLanes < 1) throw new DataConfigurationException("order.lanes must be at least 1");
        if (batchSize < 1) throw new DataConfigurationException("the batch size must be at least 1");
        return new LaneLayout((int)Math.Max(1, Math.Min(configuredLanes, Math.Min(rowGroups, batchSize))), batchSize);
    }

    /// <summary>The slots lane <paramref name="lane"/> fills.</summary>
    public RowRange Slots(int lane) => new((long)lane * BatchSize / Lanes, (long)(lane + 1) * BatchSize / Lanes);

    /// <summary>Lanes with at least one slot among <paramref name="rows"/>, in lane order.</summary>
    public IReadOnlyList<int> LanesOverlapping(RowRange rows) =>
        Enumerable.Range(0, Lanes).Where(lane => Slots(lane).Start < rows.End && Slots(lane).End > rows.Start).ToList();
}
