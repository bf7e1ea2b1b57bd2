using System.Net.Sockets;
using System.Security.Authentication;
using Akka.Actor;

namespace TinyClip.Actors.Collectives;

/// <summary>
/// Collectives between the leaders of the nodes of a generation, one instance per process (per ActorSystem). The
/// leader's thread calls it and blocks. Akka carries the control messages only: the <see cref="CollectiveEndpoint"/>
/// actor tells peers where this node's data listener is, DeathWatches them and passes abort notices. The floats
/// travel over the <see cref="DataConnections"/>; the algorithm is <see cref="NodeCollectives"/>, to which this class
/// is the <see cref="INodeTransport"/>: it turns broken connections, timeouts and disagreements into an abort of the
/// generation on every node (<see cref="GenerationState"/>). One call at a time, from one thread.
/// </summary>
public sealed class NodeExchange : INodeTransport, IDisposable
{
    /// <summary>
    /// A peer's connection that breaks may be the peer aborting: its notice (with the real reason) travels on Akka and
    /// is given this long to arrive before the broken connection becomes the reason.
    /// </summary>
    private static readonly TimeSpan LinkFailureGrace = TimeSpan.FromSeconds(1);

    private readonly ActorSystem _system;
    private readonly GenerationState _state = new();
    private readonly DataConnections _connections;
    private readonly NodeCollectives _collectives;
    private IActorRef _endpoint = ActorRefs.Nobody;

    private NodeExchange(ActorSystem system, CollectiveSettings settings)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("collective data connections send floats in little-endian byte order");
        _system = system;
        Settings = settings;
        Address = ((ExtendedActorSystem)system).Provider.DefaultAddress.ToString();
        _connections = new DataConnections(_state, settings, system.Log);
        _collectives = new NodeCollectives(this);
    }

    /// <summary>This node's Akka address, as peers name it in a <see cref="NodeSlot"/>.</summary>
    public string Address { get; }

    /// <summary>The port of this node's data listener (on the remoting hostname).</summary>
    public int DataPort => _connections.DataPort;

    public CollectiveSettings Settings { get; }

    /// <summary>
    /// Opens the data listener and creates the endpoint actor at <c>/user/collective</c>; both close when the actor
    /// system terminates.
    /// </summary>
    public static NodeExchange Start(ActorSystem system, CollectiveSettings settings)
    {
        var exchange = new NodeExchange(system, settings);
        exchange._endpoint = system.ActorOf(Props.Create(() => new CollectiveEndpoint(exchange)), CollectiveEndpoint.Name);
        system.RegisterOnTermination(exchange.Dispose);
        exchange._connections.StartAccepting();
        return exchange;
    }

    /// <summary>Every node's <paramref name="local"/> concatenated in node order (lengths may differ).</summary>
    public float[] AllGather(float[] local, CollectiveTag tag, CollectiveTopology topology) => _collectives.AllGather(Enter(tag, topology), local);

    /// <summary>Replaces <paramref name="buffer"/> by the element-wise sum over nodes (see <see cref="NodeCollectives.AllReduceSum"/>).</summary>
    public void AllReduceSum(float[] buffer, CollectiveTag tag, CollectiveTopology topology) => _collectives.AllReduceSum(Enter(tag, topology), buffer);

    /// <summary>This node's segment of the element-wise sum over nodes; it receives that segment's values only (see <see cref="NodeCollectives.ReduceScatterSum"/>).</summary>
    public float[] ReduceScatterSum(float[] buffer, IReadOnlyList<int> nodeCounts, CollectiveTag tag, CollectiveTopology topology) =>
        _collectives.ReduceScatterSum(Enter(tag, topology), buffer, nodeCounts);

    /// <summary>Fails this node's current and later calls of the topology's generation, and tells the other nodes.</summary>
    public void Abort(CollectiveTopology topology, string reason)
    {
        if (!AbortLocally(topology.Generation, reason)) return;
        var notice = new CollectiveAbortNotice(topology.Generation, reason);
        for (int node = 0; node < topology.Nodes.Count; node++)
            if (node != topology.ThisNode)
                _system.ActorSelection($"{topology.Nodes[node].Address}/user/{CollectiveEndpoint.Name}").Tell(notice, _endpoint);
    }

    /// <summary>Calls <paramref name="listener"/> (once, with the reason) when the generation is aborted, here or by a peer.</summary>
    internal void OnAbort(int generation, Action<string> listener) => _state.OnAbort(generation, listener);

    /// <summary>Closes the listener and every data connection; a call in progress fails.</summary>
    public void Dispose()
    {
        _connections.Dispose();
        int generation = _state.Generation;
        if (generation != int.MinValue) AbortLocally(generation, $"the collective exchange of node {Address} was shut down");
    }

    // ---- called by the endpoint actor ----

    internal void AbortFromPeer(int generation, string reason) => AbortLocally(generation, reason);

    internal void PeerResolved(string address, int dataPort) => _connections.PeerResolved(address, dataPort);

    internal void PeerTerminated(string address)
    {
        _connections.PeerTerminated(address);
        CollectiveTopology? topology;
        CollectiveTag current;
        lock (_state.Gate)
        {
            topology = _state.Topology;
            current = _state.Current;
        }
        if (topology is null || topology.Nodes.All(n => n.Address != address)) return;
        AbortLocally(topology.Generation, $"node {address} left during generation {topology.Generation}, step {current.Step}");
    }

    // ---- the transport of the algorithm ----

    void INodeTransport.Send(NodeCall call, int node, CollectivePart part, ReadOnlyMemory<float> values)
    {
        var link = Outgoing(call.Tag, node);
        try { link.WriteMessage(call.Tag, call.Index, part, values.Span, Settings.FloatsPerChunk); }
        catch (IOException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.TimedOut })
        {
            throw AbortWith($"node {Address} waited more than {Settings.Timeout} for node {Topology.Nodes[node].Address} to take its data at {call.Tag}");
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            throw LinkFailed(call.Tag, node, $"sending to it failed ({e.Message})");
        }
    }

    NodeMessage INodeTransport.Receive(NodeCall call, int node, CollectivePart part)
    {
        var (tag, generation) = (call.Tag, call.Tag.Generation);
        var what = part == CollectivePart.Contribution ? "contribution" : "reduced slice";
        var ready = WaitFor<object>(tag, $"the {what} of node {Topology.Nodes[node].Address}", () =>
            (object?)_connections.Incoming.Complete(generation, call.Index, part, node) ?? _connections.Lost(generation, node));
        if (ready is string lost) throw LinkFailed(tag, node, lost);
        var message = (IncomingMessages.Message)ready;
        _connections.Incoming.Remove(generation, call.Index, part, node);
        return new NodeMessage(message.Tag, message.Values);
    }

    string INodeTransport.NodeName(int node) => Topology.Nodes[node].Address;

    CollectiveAbortedException INodeTransport.Disagree(NodeCall call, string problem) => AbortWith(problem);

    // ---- the leader's side ----

    /// <summary>The topology of the generation the leader is in (set by its first call).</summary>
    private CollectiveTopology Topology => _state.Topology!;

    /// <summary>Starts a call: switches generation when a new one begins (closing the old one's connections) and numbers the call within it.</summary>
    private NodeCall Enter(CollectiveTag tag, CollectiveTopology topology)
    {
        if (tag.Generation != topology.Generation)
            throw new ArgumentException($"tag {tag} does not belong to generation {topology.Generation}", nameof(tag));
        if (topology.Nodes[topology.ThisNode].Address != Address)
            throw new ArgumentException($"node {topology.ThisNode} of the topology is {topology.Nodes[topology.ThisNode].Address}, this exchange is {Address}", nameof(topology));
        var stale = new List<DataLink>();
        lock (_state.Gate)
        {
            if (_state.Enter(tag, topology))
            {
                stale = _connections.ForgetBefore(topology.Generation);
                _endpoint.Tell(new CollectiveEndpoint.WatchPeers(topology.Nodes.Where((_, n) => n != topology.ThisNode).Select(n => n.Address).ToList()));
            }
        }
        stale.ForEach(link => link.Dispose());
        return new NodeCall(tag, _state.NextCall(tag), topology.Nodes.Count, topology.ThisNode);
    }

    /// <summary>This generation's connection to <paramref name="node"/>, opened on first use.</summary>
    private DataLink Outgoing(CollectiveTag tag, int node)
    {
        _state.ThrowIfAborted(tag);
        if (_connections.Outgoing(node) is { } open) return open;
        var address = Topology.Nodes[node].Address;
        var peer = WaitFor(tag, $"the data endpoint of node {address}", () => _connections.Peer(address));
        try { return _connections.Open(tag, node, peer, Topology.ThisNode); }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or AuthenticationException or OperationCanceledException)
        {
            throw LinkFailed(tag, node, $"its data connection could not be opened ({e.Message})");
        }
    }

    /// <summary>
    /// The connection to or from <paramref name="node"/> broke: unless an abort explains it (its notice may still be
    /// on its way, so wait a moment), abort the generation naming the node.
    /// </summary>
    private CollectiveAbortedException LinkFailed(CollectiveTag tag, int node, string what)
    {
        if (_state.AbortReason(tag.Generation, LinkFailureGrace) is { } aborted) return new CollectiveAbortedException($"collective aborted at {tag}: {aborted}");
        return AbortWith($"node {Topology.Nodes[node].Address} left during generation {tag.Generation}, step {tag.Step}: {what}");
    }

    /// <summary>Blocks until <paramref name="ready"/> returns non-null; aborts the generation after the timeout.</summary>
    private T WaitFor<T>(CollectiveTag tag, string what, Func<T?> ready) where T : class =>
        _state.WaitFor(tag, Settings.Timeout, ready) ?? throw AbortWith($"node {Address} waited more than {Settings.Timeout} for {what} at {tag}");

    /// <summary>Aborts the current generation everywhere for <paramref name="reason"/>; returns what the leader throws.</summary>
    private CollectiveAbortedException AbortWith(string reason)
    {
        Abort(Topology, reason);
        return new CollectiveAbortedException(reason);
    }

    /// <summary>Records the abort, closes the generation's connections (ending blocked sends) and calls its listeners; false when already aborted (or over).</summary>
    private bool AbortLocally(int generation, string reason)
    {
        List<Action<string>>? listeners;
        List<DataLink> links;
        lock (_state.Gate)
        {
            if (!_state.Abort(generation, reason, out listeners)) return false;
            links = _connections.ForgetAborted(generation);
        }
        links.ForEach(link => link.Dispose());
        listeners?.ForEach(listener => listener(reason));
        return true;
    }
}
