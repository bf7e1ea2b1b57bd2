namespace TinyClip.Actors.Collectives;

/// <summary>
/// Collectives of one generation across processes, as seen by one node: its local trainers first reduce among
/// themselves (an <see cref="InProcessCollectiveGroup"/>, shared memory), then one leader (local index 0) exchanges the
/// node's partial result with the other nodes' leaders through the <see cref="NodeExchange"/>, and the leader's result
/// is copied out to the other local members. Only the leader makes calls across nodes, and the bytes sent do
/// not grow with the number of trainers per node. With a single node nothing leaves the in-process group.
/// </summary>
public sealed class HierarchicalCollectiveGroup : ICollectiveGroup
{
    private readonly CollectiveTopology _topology;
    private readonly NodeExchange _exchange;
    private readonly InProcessCollectiveGroup _local;
    private readonly bool _singleNode;
    private float[] _shared = Array.Empty<float>();

    public HierarchicalCollectiveGroup(CollectiveTopology topology, NodeExchange exchange, TimeSpan timeout)
    {
        _topology = topology;
        _exchange = exchange;
        _local = new InProcessCollectiveGroup(topology.Local.Ranks, timeout);
        _singleNode = topology.Nodes.Count == 1;
        Members = Enumerable.Range(0, topology.Local.Ranks).Select(index => (ICollective)new Member(this, index)).ToList();
        // A peer's abort (or loss) must also release local members that wait on each other, not only the leader.
        if (!_singleNode) exchange.OnAbort(topology.Generation, reason => _local.Abort(reason));
    }

    public IReadOnlyList<ICollective> Members { get; }

    public void Abort(string reason)
    {
        _local.Abort(reason);
        if (!_singleNode) _exchange.Abort(_topology, reason);
    }

    private float[] AllGather(int index, float[] local, CollectiveTag tag)
    {
        var node = _local.Members[index].AllGather(local, tag);
        if (_singleNode) return node;
        var gathered = node;
        Share(index, tag, () => _exchange.AllGather(node, tag, _topology), shared => gathered = (float[])shared.Clone());
        return index == 0 ? _shared : gathered;
    }

    private void AllReduceSum(int index, float[] buffer, CollectiveTag tag)
    {
        _local.Members[index].AllReduceSum(buffer, tag);
        if (_singleNode) return;
        Share(index, tag, () =>
        {
            _exchange.AllReduceSum(buffer, tag, _topology);
            return buffer;
        }, shared => shared.AsSpan().CopyTo(buffer));
    }

    /// <summary>
    /// The node's partial sum of the whole buffer, as <see cref="AllReduceSum"/> makes it (into a copy: the caller's
    /// buffer stays as it is), then a reduce-scatter between the nodes over the nodes' segments (each the union of its
    /// members' segments), so that only the node's segment comes over the wire; each member keeps its part of it.
    /// </summary>
    private float[] ReduceScatterSum(int index, float[] buffer, int[] counts, CollectiveTag tag)
    {
        if (_singleNode) return _local.Members[index].ReduceScatterSum(buffer, counts, tag);
        var segments = CollectiveSegments.Of(counts, buffer.Length, _topology.WorldSize);
        var partial = (float[])buffer.Clone();
        _local.Members[index].AllReduceSum(partial, tag);
        var nodeCounts = _topology.Nodes.Select(node => counts.Skip(node.FirstRank).Take(node.Ranks).Sum()).ToArray();
        var (nodeStart, _) = segments[_topology.Local.FirstRank];
        var (start, length) = segments[_topology.Local.FirstRank + index];
        float[] Mine(float[] nodeSegment) => nodeSegment.AsSpan(start - nodeStart, length).ToArray();
        var mine = Array.Empty<float>();
        Share(index, tag, () => _exchange.ReduceScatterSum(partial, nodeCounts, tag, _topology), shared => mine = Mine(shared));
        return index == 0 ? Mine(_shared) : mine;
    }

    private void Barrier(int index, CollectiveTag tag)
    {
        _local.Members[index].Barrier(tag);
        if (_singleNode) return;
        Share(index, tag, () =>
        {
            _exchange.AllGather(Array.Empty<float>(), tag, _topology);
            return Array.Empty<float>();
        }, _ => { });
    }

    /// <summary>The leader runs <paramref name="leaderWork"/> across nodes; every other local member then reads its result.</summary>
    private void Share(int index, CollectiveTag tag, Func<float[]> leaderWork, Action<float[]> read)
    {
        if (index == 0)
        {
            try { _shared = leaderWork(); }
            catch (Exception e)
            {
                _local.Abort(e is CollectiveAbortedException ? e.Message : $"the node leader failed at {tag}: {e.Message}");
                throw;
            }
        }
        if (_local.WorldSize == 1) return;
        var member = _local.Members[index];
        member.Barrier(tag); // the leader's result is there
        if (index != 0) read(_shared);
        member.Barrier(tag); // nobody publishes (or changes) the next result before everyone has read this one
    }

    private sealed class Member(HierarchicalCollectiveGroup group, int index) : ICollective
    {
        public int Rank => group._topology.Local.FirstRank + index;
        public int WorldSize => group._topology.WorldSize;
        public float[] AllGather(float[] local, CollectiveTag tag) => group.AllGather(index, local, tag);
        public void AllReduceSum(float[] buffer, CollectiveTag tag) => group.AllReduceSum(index, buffer, tag);
        public float[] ReduceScatterSum(float[] buffer, int[] counts, CollectiveTag tag) => group.ReduceScatterSum(index, buffer, counts, tag);
        public void Barrier(CollectiveTag tag) => group.Barrier(index, tag);
        public void Abort(string reason) => group.Abort(reason);
    }
}
