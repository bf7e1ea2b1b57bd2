using TinyClip.Data.Manifest;

namespace TinyClip.Data.Ordering;

/// <summary>
/// The global sample order of an epoch, a pure function of (manifest, seed, epoch, K):
/// 1. shuffle the manifest's row groups with a generator seeded by (seed, epoch);
/// 2. cut that list into consecutive windows of K row groups;
/// 3. shuffle the samples inside each window with a generator seeded by (seed, epoch, window).
/// Only one window's rows need to be in memory to produce its part of the order, which is what keeps
/// memory flat; mixing is across all row groups at the row-group level and across K row groups at the
/// sample level. Nothing here depends on the number of trainers, on timing or on parallelism.
/// </summary>
public sealed class SampleOrder(DatasetManifest manifest, long seed, int windowRowGroups)
{
    public DatasetManifest Manifest { get; } = manifest;

    public long SamplesPerEpoch { get; } = manifest.TotalRows;

    public IReadOnlyList<OrderWindow> Windows(int epoch)
    {
        var groups = Manifest.RowGroups.ToArray();
        new DeterministicRandom(DeterministicRandom.Mix(seed, epoch)).Shuffle(groups);
        var windows = new List<OrderWindow>();
        long start = 0;
        for (var first = 0; first < groups.Length; first += windowRowGroups)
        {
            var members = groups[first..Math.Min(groups.Length, first + windowRowGroups)];
            var window = new OrderWindow(epoch, windows.Count, start, members, DeterministicRandom.Mix(seed, epoch, windows.Count, 1));
            windows.Add(window);
            start = window.EndPosition;
        }
        return windows;
    }

    /// <summary>The epoch's sample ids in order; O(epoch) memory, meant for tests and tools.</summary>
    public IEnumerable<long> SampleIds(int epoch)
    {
        foreach (var window in Windows(epoch))
        {
            var ids = window.RowGroups.SelectMany(g => Enumerable.Range(0, (int)g.RowCount).Select(r => g.FirstSampleId + r)).ToArray();
            foreach (var local in window.Permutation()) yield return ids[local];
        }
    }
}
