namespace TinyClip.Actors.Evaluation;

/// <summary>
/// Compacts the managed heap every few evaluated batches. An evaluation allocates and drops large arrays all along
/// (Parquet.Net's decompressed pages and image bytes of each row group), and left to its own schedule the GC keeps
/// more and more of that memory committed as an evaluation goes on: its committed heap was 186 MiB after 5,000 images
/// and 275 MiB after 50,000. A blocking, compacting collection that also hands free memory back to the OS
/// (<see cref="GCCollectionMode.Aggressive"/>) every 16 batches of 32 kept it at 74 and 84 MiB, and the peak resident
/// memory of the larger evaluation 10% above the smaller's instead of 16% (BENCHMARKS.md, section 13), at the same rate
/// within the spread. It runs on the evaluating thread, between batches, so it never waits on a batch half encoded.
/// </summary>
/// <param name="everyBatches">Batches between compactions; 0 never compacts.</param>
/// <param name="compact">What a compaction does (the GC's by default; tests count calls).</param>
public sealed class HeapCompaction(int everyBatches, Action? compact = null)
{
    private long _batches;

    /// <summary>Counts an evaluated batch, and compacts after every <c>everyBatches</c>-th.</summary>
    public void BatchEvaluated()
    {
        if (everyBatches > 0 && ++_batches % everyBatches == 0) (compact ?? CompactNow)();
    }

    private static void CompactNow() => GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
}
