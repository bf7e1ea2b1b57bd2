using TinyClip.Actors.Collectives;
using static TinyClip.Actors.Tests.Collectives.CollectiveValues;

namespace TinyClip.Actors.Tests.Collectives;

/// <summary>The algorithm between node leaders over an in-memory transport: no sockets, no actor system.</summary>
public class NodeCollectivesTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    /// <summary>Runs <paramref name="body"/> for every node on its own thread; returns each node's error (null when it returned).</summary>
    private static Exception?[] RunNodes(int nodes, Action<NodeCollectives, InMemoryNodeTransport, int> body)
    {
        var transports = InMemoryNodeTransport.Connect(nodes, Limit);
        var errors = new Exception?[nodes];
        var threads = Enumerable.Range(0, nodes).Select(node => new Thread(() =>
        {
            try { body(new NodeCollectives(transports[node]), transports[node], node); }
            catch (Exception e) { errors[node] = e; }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => Assert.True(t.Join(Limit), "a node did not return"));
        return errors;
    }

    private static NodeCall Call(int index, int nodes, int node, long step = 0, string phase = "grads") => new(new CollectiveTag(1, step, phase), index, nodes, node);

    /// <summary>The node-order sum of every node's contribution, added one node after the other.</summary>
    private static float[] NodeOrderSum(int nodes, long step, int length)
    {
        var sum = Contribution(0, step, length);
        for (int node = 1; node < nodes; node++)
        {
            var next = Contribution(node, step, length);
            for (int i = 0; i < length; i++) sum[i] += next[i];
        }
        return sum;
    }

    [Theory]
    [InlineData(1, 1003)]
    [InlineData(2, 1003)]
    [InlineData(3, 1003)]
    [InlineData(3, 2)] // fewer values than nodes: node 2 owns an empty slice
    [InlineData(3, 0)]
    public void All_reduce_sum_adds_in_node_order_and_every_node_gets_the_same_bits(int nodes, int length)
    {
        var reduced = new float[nodes][][];
        var errors = RunNodes(nodes, (collectives, _, node) =>
        {
            reduced[node] = new float[3][];
            // Several calls without anything in between: a node that runs ahead must not mix them up.
            for (int step = 0; step < 3; step++)
            {
                var buffer = Contribution(node, step, length);
                collectives.AllReduceSum(Call(step, nodes, node, step), buffer);
                reduced[node][step] = buffer;
            }
        });

        Assert.All(errors, e => Assert.Null(e));
        for (int step = 0; step < 3; step++)
        {
            var expected = Bits(NodeOrderSum(nodes, step, length));
            for (int node = 0; node < nodes; node++) Assert.Equal(expected, Bits(reduced[node][step]));
        }
    }

    [Theory]
    [InlineData(new[] { 1003 })]
    [InlineData(new[] { 700, 303 })]
    [InlineData(new[] { 5, 0, 998 })]
    [InlineData(new[] { 1, 1000, 2 })]
    public void Reduce_scatter_gives_each_node_its_segment_of_the_all_reduce_bitwise_and_receives_only_that_segment(int[] counts)
    {
        int nodes = counts.Length, length = counts.Sum();
        var segments = new float[nodes][];
        var received = new long[nodes];
        var errors = RunNodes(nodes, (collectives, transport, node) =>
        {
            var buffer = Contribution(node, 4, length);
            segments[node] = collectives.ReduceScatterSum(Call(0, nodes, node, 4), buffer, counts);
            Assert.Equal(Bits(Contribution(node, 4, length)), Bits(buffer)); // the caller's buffer is left as it was
            received[node] = transport.ReceivedValues;
        });

        Assert.All(errors, e => Assert.Null(e));
        var sum = NodeOrderSum(nodes, 4, length);
        for (int node = 0, start = 0; node < nodes; start += counts[node++])
        {
            Assert.Equal(Bits(sum.AsSpan(start, counts[node])), Bits(segments[node]));
            Assert.Equal((long)(nodes - 1) * counts[node], received[node]);
        }
    }

    [Fact]
    public void All_gather_concatenates_uneven_parts_in_node_order()
    {
        var gathered = new float[3][];
        var errors = RunNodes(3, (collectives, _, node) =>
            gathered[node] = collectives.AllGather(Call(0, 3, node), Enumerable.Repeat((float)node, 2 * node + 1).ToArray()));

        Assert.All(errors, e => Assert.Null(e));
        var expected = new[] { 0f, 1, 1, 1, 2, 2, 2, 2, 2 };
        Assert.All(gathered, g => Assert.Equal(expected, g));
    }

    [Fact]
    public void Nodes_at_different_tags_abort_instead_of_mixing_steps()
    {
        var errors = RunNodes(2, (collectives, _, node) => collectives.AllReduceSum(Call(0, 2, node, step: node), new float[10]));
        Assert.All(errors, e => Assert.IsType<CollectiveAbortedException>(e));
        Assert.Contains(errors, e => e!.Message.Contains("is at generation 1, step"));
    }

    [Fact]
    public void Nodes_that_disagree_about_the_segments_abort()
    {
        // Node 0 thinks it owns 4 values, node 1 sends it 6.
        var errors = RunNodes(2, (collectives, _, node) =>
            collectives.ReduceScatterSum(Call(0, 2, node), new float[10], node == 0 ? new[] { 4, 6 } : new[] { 6, 4 }));
        Assert.All(errors, e => Assert.IsType<CollectiveAbortedException>(e));
        Assert.Contains(errors, e => e!.Message.Contains("values where"));
    }

    [Fact]
    public void A_node_sends_to_all_its_peers_at_the_same_time()
    {
        // Every send waits until this node has started its sends to all its peers: sends made one after another would
        // never get there, and the waits would time out.
        const int nodes = 4;
        var transports = InMemoryNodeTransport.Connect(nodes, Limit);
        var reduced = new float[nodes][];
        var errors = new Exception?[nodes];
        var threads = Enumerable.Range(0, nodes).Select(node => new Thread(() =>
        {
            try
            {
                var collectives = new NodeCollectives(new SendsThatMeet(transports[node], peers: nodes - 1));
                reduced[node] = Contribution(node, 0, 1003);
                collectives.AllReduceSum(Call(0, nodes, node), reduced[node]);
            }
            catch (Exception e) { errors[node] = e; }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => Assert.True(t.Join(Limit), "a node did not return"));

        Assert.All(errors, e => Assert.Null(e));
        var expected = Bits(NodeOrderSum(nodes, 0, 1003));
        Assert.All(reduced, values => Assert.Equal(expected, Bits(values)));
    }

    /// <summary>A transport whose sends of one call and part wait for each other: they pass only when all of them have begun.</summary>
    private sealed class SendsThatMeet(INodeTransport inner, int peers) : INodeTransport
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<(int Call, CollectivePart Part), CountdownEvent> _meetings = new();

        public void Send(NodeCall call, int node, CollectivePart part, ReadOnlyMemory<float> values)
        {
            var meeting = _meetings.GetOrAdd((call.Index, part), _ => new CountdownEvent(peers));
            meeting.Signal();
            if (!meeting.Wait(TimeSpan.FromSeconds(10))) throw new TimeoutException($"the send of {part} to node {node} waited alone: sends run one after another");
            inner.Send(call, node, part, values);
        }

        public NodeMessage Receive(NodeCall call, int node, CollectivePart part) => inner.Receive(call, node, part);
        public string NodeName(int node) => inner.NodeName(node);
        public CollectiveAbortedException Disagree(NodeCall call, string problem) => inner.Disagree(call, problem);
    }
}
