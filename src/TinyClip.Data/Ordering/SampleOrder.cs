using System.Collections.Concurrent;
using TinyClip.Data.Manifest;

namespace TinyClip.Data.Ordering;

/// <summary>
/// The sample order of every lane and epoch, a pure function of (manifest, seed, epoch, K, lane count):
/// 1. shuffle the manifest's row groups with a generator seeded by (seed, epoch);
/// 2. deal them to the lanes: row group i of the shuffled list goes to lane i mod L;
/// 3. cut each lane's share into consecutive windows of K row groups;
/// 4. shuffle the samples inside each window with a generator seeded by (seed, epoch, lane, window).
/// A lane's stream is its share of epoch 0, then of epoch 1, and so on. Only one window's rows need to be in memory to
/// produce its part of the order; a global batch mixes the current windows of all L lanes. Nothing here depends on the
/// number of trainers or nodes, on timing or on parallelism.
/// </summary>
public sealed class SampleOrder
{
    private readonly long _seed;
    private readonly int _windowRowGroups;
    // A few entries a lane and epoch: each is one shuffle of the row groups, cached because every chunk asks.
    private readonly ConcurrentDictionary<(int Lane, int Epoch), long> _shareLengths = new();

    public SampleOrder(DatasetManifest manifest, long seed, int windowRowGroups, int lanes)
    {
        if (lanes < 1 || lanes > manifest.RowGroups.Count)
            throw new DataConfigurationException($"{lanes} lanes need at least as many row groups; the data has {manifest.RowGroups.Count}");
        Manifest = manifest;
        Lanes = lanes;
        _seed = seed;
        _windowRowGroups = windowRowGroups;
    }

    public DatasetManifest Manifest { get; }

    public int Lanes { get; }

    public IReadOnlyList<OrderWindow> Windows(int lane, int epoch)
    {
        if (lane < 0 || lane >= Lanes) throw new ArgumentOutOfRangeException(nameof(lane), $"lane {lane} of {Lanes}");
        var groups = Manifest.RowGroups.ToArray();
        new DeterministicRandom(DeterministicRandom.Mix(_seed, epoch)).Shuffle(groups);
        var share = groups.Where((_, index) => index % Lanes == lane).ToArray();
        var windows = new List<OrderWindow>();
        long start = 0;
        for (var first = 0; first < share.Length; first += _windowRowGroups)
        {
            var members = share[first..Math.Min(share.Length, first + _windowRowGroups)];
            var window = new OrderWindow(epoch, lane, windows.Count, start, members, DeterministicRandom.Mix(_seed, epoch, lane, windows.Count, 1));
            windows.Add(window);
            start = window.EndPosition;
        }
        return windows;
    }

    /// <summary>
    /// The position after <paramref name="position"/>, which is (epoch + 1, 0) at the end of the lane's share of an
    /// epoch, so that a cursor names the epoch its next sample comes from.
    /// </summary>
    public LanePosition After(int lane, LanePosition position)
    {
        var length = _shareLengths.GetOrAdd((lane, position.Epoch), key => Windows(key.Lane, key.Epoch).Sum(w => (long)w.SampleCount));
        return position.Position + 1 >= length ? new LanePosition(position.Epoch + 1, 0) : position with { Position = position.Position + 1 };
    }

    /// <summary>A lane's sample ids of an epoch in order; O(share) memory, meant for tests and tools.</summary>
    public IEnumerable<long> SampleIds(int lane, int epoch)
    {
        foreach (var window in Windows(lane, epoch))
        {
            var ids = window.RowGroups.SelectMany(g => Enumerable.Range(0, (int)g.RowCount).Select(r => g.FirstSampleId + r)).ToArray();
            foreach (var local in window.Permutation()) yield return ids[local];
        }
    }
}
