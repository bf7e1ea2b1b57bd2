namespace TinyClip.Actors.Collectives;

/// <summary>
/// How <see cref="NodeCollectives"/> moves floats between the leaders of the nodes: the data connections of a
/// <see cref="NodeExchange"/>, or memory in tests. A message is addressed by its call, its part and its sender; it
/// may arrive before the receiver asks for it. Failures (a lost node, a timeout, an abort) surface as
/// <see cref="CollectiveAbortedException"/>.
/// </summary>
public interface INodeTransport
{
    /// <summary>Sends <paramref name="values"/> to <paramref name="node"/>; they may be reused once this returns. Sends to
    /// different nodes may run at the same time (on different threads); sends to one node never do.</summary>
    void Send(NodeCall call, int node, CollectivePart part, ReadOnlyMemory<float> values);

    /// <summary>Blocks until <paramref name="node"/>'s message of this call and part has arrived whole.</summary>
    NodeMessage Receive(NodeCall call, int node, CollectivePart part);

    /// <summary>How messages name <paramref name="node"/> (its address).</summary>
    string NodeName(int node);

    /// <summary>The nodes disagree about where they are (<paramref name="problem"/>): aborts the generation everywhere and returns what to throw.</summary>
    CollectiveAbortedException Disagree(NodeCall call, string problem);
}
