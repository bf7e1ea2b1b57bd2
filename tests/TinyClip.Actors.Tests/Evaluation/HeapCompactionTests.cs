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
    public void The_gc_compaction_hands_dropped_memory_back()
    {
        // Garbage large enough to stay committed after an ordinary collection, then the shipped compaction.
        var garbage = Enumerable.Range(0, 64).Select(_ => new byte[1 << 20]).ToList();
        garbage.Clear();
        var compaction = new HeapCompaction(1);
        compaction.BatchEvaluated();
        var info = GC.GetGCMemoryInfo(GCKind.Any);
        Assert.True(info.Compacted, "the last collection did not compact");
        Assert.True(info.HeapSizeBytes < 48L << 20, $"heap of {info.HeapSizeBytes >> 20} MiB after the compaction");
    }

    [Fact]
    public void Evaluations_compact_by_default()
    {
        Assert.True(EvalSettings.Reference.CompactHeapEveryBatches > 0);
    }
}
