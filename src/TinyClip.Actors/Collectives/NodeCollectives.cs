using System.Numerics;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;

namespace TinyClip.Actors.Collectives;

/// <summary>
/// The collective algorithm between the leaders of the nodes of a generation, over any <see cref="INodeTransport"/>.
/// Sums are reduce-scatters: node j owns a contiguous slice, receives it from every node and adds the slices in node
/// order, starting from node 0's. Each value is added by one node only, in that fixed order, so the bits of a result
/// depend on the member set alone, not on timing or on which node asks. A node sends to all its peers at the same
/// time, so that no peer's transfer waits for another's.
/// </summary>
public sealed class NodeCollectives(INodeTransport transport)
{
    /// <summary>Every node's <paramref name="local"/> concatenated in node order (lengths may differ).</summary>
    public float[] AllGather(NodeCall call, float[] local)
    {
        SendToOthers(call, CollectivePart.Contribution, _ => local);
        var parts = new ArraySegment<float>[call.Nodes];
        for (int node = 0; node < call.Nodes; node++)
            parts[node] = node == call.ThisNode ? local : Receive(call, node, CollectivePart.Contribution, expectedLength: null);
        var gathered = new float[parts.Sum(p => p.Count)];
        int offset = 0;
        for (int node = 0; node < call.Nodes; node++)
        {
            parts[node].AsSpan().CopyTo(gathered.AsSpan(offset));
            offset += parts[node].Count;
            if (node != call.ThisNode) PooledFloats.Release(parts[node]);
        }
        return gathered;
    }

    /// <summary>
    /// Replaces <paramref name="buffer"/> by the element-wise sum over nodes: a reduce-scatter over equal slices, then
    /// every owner sends its summed slice to every node. Each node sends and receives about 2(N-1)/N of the buffer,
    /// instead of (N-1) for everyone-to-everyone.
    /// </summary>
    public void AllReduceSum(NodeCall call, float[] buffer)
    {
        var slices = EqualSlices(buffer.Length, call.Nodes);
        var own = slices[call.ThisNode];
        var sum = SumOwnSlice(call, buffer, slices);
        SendToOthers(call, CollectivePart.Reduced, _ => sum);
        sum.AsSpan().CopyTo(buffer.AsSpan(own.Start, own.Length));
        PooledFloats.Release(sum);
        foreach (var node in call.Others())
        {
            var slice = slices[node];
            var part = Receive(call, node, CollectivePart.Reduced, slice.Length);
            part.AsSpan().CopyTo(buffer.AsSpan(slice.Start));
            PooledFloats.Release(part);
        }
    }

    /// <summary>
    /// The element-wise sum over nodes of this node's segment of <paramref name="buffer"/> (segments consecutive in
    /// node order, lengths <paramref name="counts"/>): the reduce-scatter half of <see cref="AllReduceSum"/>, so a
    /// node receives only the values of its own segment, and the bits equal that segment of the all-reduce's result.
    /// </summary>
    public float[] ReduceScatterSum(NodeCall call, float[] buffer, IReadOnlyList<int> counts)
    {
        var sum = SumOwnSlice(call, buffer, CollectiveSegments.Of(counts, buffer.Length, call.Nodes));
        var result = sum.AsSpan().ToArray();
        PooledFloats.Release(sum);
        return result;
    }

    /// <summary>Sends every other node its slice of <paramref name="buffer"/>, and sums this node's slice over all nodes in node order (a pooled array).</summary>
    private ArraySegment<float> SumOwnSlice(NodeCall call, float[] buffer, IReadOnlyList<(int Start, int Length)> slices)
    {
        SendToOthers(call, CollectivePart.Contribution, node => buffer.AsMemory(slices[node].Start, slices[node].Length));
        var (ownStart, ownLength) = slices[call.ThisNode];
        var own = buffer.AsSpan(ownStart, ownLength);
        // The sum starts as node 0's slice: a received (pooled) buffer, or a pooled copy of this node's own.
        ArraySegment<float> sum;
        if (call.ThisNode == 0)
        {
            sum = PooledFloats.Rent(ownLength);
            own.CopyTo(sum.AsSpan());
        }
        else sum = Receive(call, 0, CollectivePart.Contribution, ownLength);
        for (int node = 1; node < call.Nodes; node++)
        {
            if (node == call.ThisNode)
            {
                Add(sum, own);
                continue;
            }
            var part = Receive(call, node, CollectivePart.Contribution, ownLength);
            Add(sum, part);
            PooledFloats.Release(part);
        }
        return sum;
    }

    /// <summary>
    /// Sends every other node its values at the same time: the first send on this thread, the others on pool threads.
    /// Returns once every send is done, so the values may then be reused; a failed send aborts the generation (which
    /// ends the other sends), and the first failure is rethrown.
    /// </summary>
    private void SendToOthers(NodeCall call, CollectivePart part, Func<int, ReadOnlyMemory<float>> valuesFor)
    {
        var others = call.Others().ToArray();
        if (others.Length == 0) return;
        var concurrent = others[1..].Select(node => Task.Run(() => transport.Send(call, node, part, valuesFor(node)))).ToArray();
        Exception? failure = null;
        try { transport.Send(call, others[0], part, valuesFor(others[0])); }
        catch (Exception e) { failure = e; }
        foreach (var send in concurrent)
        {
            try { send.GetAwaiter().GetResult(); }
            catch (Exception e) { failure ??= e; }
        }
        if (failure is not null) ExceptionDispatchInfo.Throw(failure);
    }

    private ArraySegment<float> Receive(NodeCall call, int node, CollectivePart part, int? expectedLength)
    {
        var message = transport.Receive(call, node, part);
        // Every node makes the same calls in the same order: a different tag or length here means they disagree.
        var problem = message.Tag != call.Tag ? $"node {transport.NodeName(node)} is at {message.Tag} while node {transport.NodeName(call.ThisNode)} is at {call.Tag}"
            : expectedLength is { } n && n != message.Values.Count
                ? $"node {transport.NodeName(node)} sent {message.Values.Count} values where {n} were expected at {call.Tag}"
            : null;
        if (problem is null) return message.Values;
        PooledFloats.Release(message.Values);
        throw transport.Disagree(call, problem);
    }

    /// <summary>The contiguous slices of a buffer of <paramref name="length"/> values that the nodes own in an all-reduce.</summary>
    private static (int Start, int Length)[] EqualSlices(int length, int nodes)
    {
        int per = (length + nodes - 1) / nodes;
        return Enumerable.Range(0, nodes).Select(node =>
        {
            int start = Math.Min(length, node * per);
            return (start, Math.Min(length, start + per) - start);
        }).ToArray();
    }

    /// <summary>sum[i] += values[i], Vector&lt;float&gt; lanes at a time (IEEE addition per element, so lanes change no bits).</summary>
    private static void Add(Span<float> target, ReadOnlySpan<float> values)
    {
        var wide = MemoryMarshal.Cast<float, Vector<float>>(target);
        var addend = MemoryMarshal.Cast<float, Vector<float>>(values);
        for (int i = 0; i < wide.Length; i++) wide[i] += addend[i];
        for (int i = wide.Length * Vector<float>.Count; i < target.Length; i++) target[i] += values[i];
    }
}
