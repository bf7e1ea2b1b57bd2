using TinyClip.Actors.Configuration;
using TinyClip.Actors.Evaluation;

namespace TinyClip.Actors.Tests.Evaluation;

public sealed class HeapCompactionTests
{
    [Fact]
    public void Compacts_after_every_nth_batch()
    {
        int compactions = 0;
        var compaction = new HeapCompaction(3, () => compactions++);
        var seen = new List<int>();
        for (int batch = 1; batch <= 10; batch++)
        {
            compaction.BatchEvaluated();
            seen.Add(compactions);
        }
        Assert.Equal([0, 0, 1, 1, 1, 2, 2, 2, 3, 3], seen);
    }

    [Fact]
    public void Zero_never_compacts()
    {
        int compactions = 0;
        var compaction = new HeapCompaction(0, () => compactions++);
        for (int batch = 0; batch < 100; batch++) compaction.BatchEvaluated();
        Assert.Equal(0, compactions);
    }

    [Fact]
    public void The_shipped_compaction_is_a_full_blocking_collection()
    {
        // Other tests allocate beside this one, so the heap's size says little; the count of full collections does.
        int before = GC.CollectionCount(GC.MaxGeneration);
        new HeapCompaction(1).BatchEvaluated();
        Assert.True(GC.CollectionCount(GC.MaxGeneration) > before, "no full collection ran");
    }

    [Fact]
    public void Evaluations_compact_by_default()
    {
        Assert.True(EvalSettings.Reference.CompactHeapEveryBatches > 0);
    }
}
