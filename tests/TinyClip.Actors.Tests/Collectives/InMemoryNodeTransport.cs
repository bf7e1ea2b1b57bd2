using TinyClip.Actors.Collectives;

namespace TinyClip.Actors.Tests.Collectives;

/// <summary>
/// Node leaders of one process that talk through memory: what <see cref="NodeCollectives"/> needs from a network,
/// without sockets or actors. A message is copied when sent (the sender may reuse its buffer) and kept until its
/// receiver takes it, so a node may run ahead; a disagreement aborts every node, as the real exchange does.
/// </summary>
internal sealed class InMemoryNodeTransport : INodeTransport
{
    private readonly Wires _wires;
    private readonly int _node;

    private InMemoryNodeTransport(Wires wires, int node)
    {
        _wires = wires;
        _node = node;
    }

    /// <summary>How many values this node has received (what would have come over its connections).</summary>
    public long ReceivedValues { get; private set; }

    /// <summary>One transport per node, connected to each other; a receive waits at most <paramref name="timeout"/>.</summary>
    public static IReadOnlyList<InMemoryNodeTransport> Connect(int nodes, TimeSpan timeout)
    {
        var wires = new Wires(timeout);
        return Enumerable.Range(0, nodes).Select(node => new InMemoryNodeTransport(wires, node)).ToList();
    }

    public void Send(NodeCall call, int node, CollectivePart part, ReadOnlyMemory<float> values)
    {
        var copy = PooledFloats.Rent(values.Length);
        values.Span.CopyTo(copy);
        lock (_wires)
        {
            ThrowIfAborted();
            _wires.Messages.Add((call.Index, part, _node, node), new NodeMessage(call.Tag, copy));
            Monitor.PulseAll(_wires);
        }
    }

    public NodeMessage Receive(NodeCall call, int node, CollectivePart part)
    {
        var key = (call.Index, part, node, _node);
        var deadline = DateTime.UtcNow + _wires.Timeout;
        lock (_wires)
        {
            while (true)
            {
                ThrowIfAborted();
                if (_wires.Messages.Remove(key, out var message))
                {
                    ReceivedValues += message.Values.Count;
                    return message;
                }
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero) throw new CollectiveAbortedException($"node {_node} waited more than {_wires.Timeout} for node {node} at {call.Tag}");
                Monitor.Wait(_wires, left);
            }
        }
    }

    public string NodeName(int node) => $"mem://{node}";

    public CollectiveAbortedException Disagree(NodeCall call, string problem)
    {
        lock (_wires)
        {
            _wires.Aborted ??= problem;
            Monitor.PulseAll(_wires);
        }
        return new CollectiveAbortedException(problem);
    }

    private void ThrowIfAborted()
    {
        if (_wires.Aborted is { } reason) throw new CollectiveAbortedException($"collective aborted: {reason}");
    }

    /// <summary>What the nodes share (and lock): messages in flight by call, part, sender and receiver, and the abort.</summary>
    private sealed class Wires(TimeSpan timeout)
    {
        public TimeSpan Timeout { get; } = timeout;
        public Dictionary<(int Call, CollectivePart Part, int From, int To), NodeMessage> Messages { get; } = new();
        public string? Aborted { get; set; }
    }
}
