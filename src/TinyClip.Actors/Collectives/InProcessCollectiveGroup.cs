namespace TinyClip.Actors.Collectives;

/// <summary>
/// Collectives between trainers of one process: members share their arrays (no copy on the way in) and meet at a
/// barrier. Reductions are split into one contiguous chunk per member (each member sums its chunk across all
/// contributions in rank order, vectorised element-wise, so the order of additions per element is fixed), so the
/// work is spread and the result is bitwise identical on every member. A reduce-scatter is the first half of that:
/// each member sums its own segment, in the same order, and keeps it.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "shared by trainers that end at different times; the barrier's wait handles are created lazily and only for waits that block long")]
public sealed class InProcessCollectiveGroup : ICollectiveGroup
{
    private readonly Barrier _barrier;
    private readonly CancellationTokenSource _abort = new();
    private readonly float[][] _contributions;
    private readonly CollectiveTag[] _tags;
    private readonly TimeSpan _timeout;
    private float[] _result = Array.Empty<float>();
    private string? _abortReason;

    public InProcessCollectiveGroup(int worldSize, TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(worldSize, 1);
        WorldSize = worldSize;
        _timeout = timeout;
        _barrier = new Barrier(worldSize);
        _contributions = new float[worldSize][];
        _tags = new CollectiveTag[worldSize];
        Members = Enumerable.Range(0, worldSize).Select(rank => (ICollective)new Member(this, rank)).ToList();
    }

    public int WorldSize { get; }

    public IReadOnlyList<ICollective> Members { get; }

    public void Abort(string reason)
    {
        _abortReason ??= reason;
        _abort.Cancel();
    }

    private void Meet(int rank, CollectiveTag tag)
    {
        try
        {
            if (!_barrier.SignalAndWait(_timeout, _abort.Token))
            {
                Abort($"member {rank} waited more than {_timeout.TotalSeconds:F0}s at {tag}");
                throw new CollectiveAbortedException(_abortReason!);
            }
        }
        catch (OperationCanceledException)
        {
            throw new CollectiveAbortedException($"collective aborted at {tag}: {_abortReason}");
        }
    }

    private void Deposit(int rank, float[] contribution, CollectiveTag tag)
    {
        if (_abort.IsCancellationRequested) throw new CollectiveAbortedException($"collective aborted at {tag}: {_abortReason}");
        _contributions[rank] = contribution;
        _tags[rank] = tag;
        Meet(rank, tag);
        for (int other = 0; other < WorldSize; other++)
        {
            if (_tags[other] != tag)
            {
                Abort($"member {other} is at {_tags[other]} while member {rank} is at {tag}");
                throw new CollectiveAbortedException(_abortReason!);
            }
        }
    }

    private float[] AllGather(int rank, float[] local, CollectiveTag tag)
    {
        Deposit(rank, local, tag);
        var gathered = new float[_contributions.Sum(c => c.Length)];
        int offset = 0;
        foreach (var contribution in _contributions)
        {
            contribution.CopyTo(gathered, offset);
            offset += contribution.Length;
        }
        Meet(rank, tag); // nobody overwrites a contribution before everyone has read it
        return gathered;
    }

    private void AllReduceSum(int rank, float[] buffer, CollectiveTag tag)
    {
        DepositSummand(rank, buffer, tag);
        int length = buffer.Length;
        if (rank == 0 && _result.Length != length) _result = new float[length];
        Meet(rank, tag);
        int chunk = (length + WorldSize - 1) / WorldSize;
        int start = Math.Min(length, rank * chunk), end = Math.Min(length, start + chunk);
        Sum(start, end - start, _result, start);
        Meet(rank, tag);
        _result.AsSpan(0, length).CopyTo(buffer);
        Meet(rank, tag); // nobody deposits (or overwrites the result) before everyone has copied it out
    }

    private float[] ReduceScatterSum(int rank, float[] buffer, int[] counts, CollectiveTag tag)
    {
        var (start, length) = CollectiveSegments.Of(counts, buffer.Length, WorldSize)[rank];
        DepositSummand(rank, buffer, tag);
        var segment = new float[length];
        Sum(start, length, segment, 0);
        Meet(rank, tag); // nobody deposits (or changes its buffer) before everyone has summed its segment
        return segment;
    }

    /// <summary>Deposits a buffer to be summed; every member's must have the same length.</summary>
    private void DepositSummand(int rank, float[] buffer, CollectiveTag tag)
    {
        Deposit(rank, buffer, tag);
        for (int other = 0; other < WorldSize; other++)
        {
            if (_contributions[other].Length != buffer.Length)
            {
                Abort($"member {other} reduces {_contributions[other].Length} values, member {rank} {buffer.Length} at {tag}");
                throw new CollectiveAbortedException(_abortReason!);
            }
        }
    }

    /// <summary>target[at + j] = c0[start + j] + c1[start + j] + ... in rank order for j &lt; length, Vector&lt;float&gt; lanes at a time.</summary>
    private void Sum(int start, int length, float[] target, int at)
    {
        int width = System.Numerics.Vector<float>.Count, end = start + length, shift = at - start;
        int i = start;
        for (; i <= end - width; i += width)
        {
            var sum = new System.Numerics.Vector<float>(_contributions[0], i);
            for (int other = 1; other < WorldSize; other++) sum += new System.Numerics.Vector<float>(_contributions[other], i);
            sum.CopyTo(target, i + shift);
        }
        for (; i < end; i++)
        {
            float sum = _contributions[0][i];
            for (int other = 1; other < WorldSize; other++) sum += _contributions[other][i];
            target[i + shift] = sum;
        }
    }

    private sealed class Member(InProcessCollectiveGroup group, int rank) : ICollective
    {
        public int Rank => rank;
        public int WorldSize => group.WorldSize;
        public float[] AllGather(float[] local, CollectiveTag tag) => group.AllGather(rank, local, tag);
        public void AllReduceSum(float[] buffer, CollectiveTag tag) => group.AllReduceSum(rank, buffer, tag);
        public float[] ReduceScatterSum(float[] buffer, int[] counts, CollectiveTag tag) => group.ReduceScatterSum(rank, buffer, counts, tag);
        public void Barrier(CollectiveTag tag)
        {
            group.Deposit(rank, Array.Empty<float>(), tag);
            group.Meet(rank, tag); // nobody deposits its next tag before everyone has checked this one
        }
        public void Abort(string reason) => group.Abort(reason);
    }
}
