using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Numerics;
using System.Security.Authentication;
using Akka.Actor;
using Akka.Event;

namespace TinyClip.Actors.Collectives;

/// <summary>
/// Collectives between the leaders of the nodes of a generation, one instance per process (per ActorSystem). The
/// leader's thread calls it and blocks. Akka carries the control messages only: the <see cref="CollectiveEndpoint"/>
/// actor tells peers where this node's data listener is, DeathWatches them and passes abort notices. The floats
/// travel over direct TCP connections (<see cref="DataLink"/>, TLS when remoting uses it), one per ordered node pair
/// and generation, opened when the leader first sends: the leader writes straight from its arrays, and a thread per
/// incoming connection reads straight into pooled message buffers, so data that arrives before the leader asks (a
/// peer is ahead) is kept, and TCP does the flow control. Connections of an older generation are closed or refused.
/// One call at a time, from one thread.
/// </summary>
public sealed class NodeExchange : IDisposable
{
    /// <summary>How long an accepted connection may take to introduce itself.</summary>
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A peer's connection that breaks may be the peer aborting: its notice (with the real reason) travels on Akka and
    /// is given this long to arrive before the broken connection becomes the reason.
    /// </summary>
    private static readonly TimeSpan LinkFailureGrace = TimeSpan.FromSeconds(1);

    private readonly object _gate = new();
    private readonly ActorSystem _system;
    private readonly CollectiveSettings _settings;
    private readonly TcpListener _listener;
    private readonly DataSecurity? _security;
    private IActorRef _endpoint = ActorRefs.Nobody;
    private bool _disposed;

    // The generation the leader is in: its topology, how many calls it made, where it is now (for messages).
    private CollectiveTopology? _topology;
    private int _generation = int.MinValue;
    private int _calls;
    private CollectiveTag _current;

    private readonly Dictionary<string, DnsEndPoint> _peers = new();
    private readonly Dictionary<int, DataLink> _outgoing = new();
    private readonly List<DataLink> _links = new();
    private readonly Dictionary<(int Generation, int Node), string> _lost = new();
    private readonly Dictionary<MessageKey, Incoming> _incoming = new();
    private readonly Dictionary<int, string> _aborted = new();
    private readonly Dictionary<int, List<Action<string>>> _abortListeners = new();

    private NodeExchange(ActorSystem system, CollectiveSettings settings)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("collective data connections send floats in little-endian byte order");
        _system = system;
        _settings = settings;
        Address = ((ExtendedActorSystem)system).Provider.DefaultAddress.ToString();
        _security = DataSecurity.For(settings.Tls);
        _listener = new TcpListener(BindAddress(settings.Hostname), settings.DataPort);
        _listener.Start();
        DataPort = ((IPEndPoint)_listener.LocalEndpoint).Port;
    }

    /// <summary>This node's Akka address, as peers name it in a <see cref="NodeSlot"/>.</summary>
    public string Address { get; }

    /// <summary>The port of this node's data listener (on the remoting hostname).</summary>
    public int DataPort { get; }

    public CollectiveSettings Settings => _settings;

    /// <summary>
    /// Opens the data listener and creates the endpoint actor at <c>/user/collective</c>; both close when the actor
    /// system terminates.
    /// </summary>
    public static NodeExchange Start(ActorSystem system, CollectiveSettings settings)
    {
        var exchange = new NodeExchange(system, settings);
        exchange._endpoint = system.ActorOf(Props.Create(() => new CollectiveEndpoint(exchange)), CollectiveEndpoint.Name);
        system.RegisterOnTermination(exchange.Dispose);
        _ = exchange.AcceptAsync();
        return exchange;
    }

    /// <summary>Every node's <paramref name="local"/> concatenated in node order (lengths may differ).</summary>
    public float[] AllGather(float[] local, CollectiveTag tag, CollectiveTopology topology)
    {
        int call = Enter(tag, topology);
        int nodes = topology.Nodes.Count, me = topology.ThisNode;
        foreach (var node in Others(topology)) Send(node, tag, call, CollectivePart.Contribution, local);
        var parts = new ArraySegment<float>[nodes];
        for (int node = 0; node < nodes; node++)
            parts[node] = node == me ? local : Receive(node, tag, call, CollectivePart.Contribution, expectedLength: null);
        var gathered = new float[parts.Sum(p => p.Count)];
        int offset = 0;
        for (int node = 0; node < nodes; node++)
        {
            parts[node].AsSpan().CopyTo(gathered.AsSpan(offset));
            offset += parts[node].Count;
            if (node != me) Release(parts[node]);
        }
        return gathered;
    }

    /// <summary>
    /// Replaces <paramref name="buffer"/> by the element-wise sum over nodes. Reduce-scatter, then all-gather: node j
    /// owns the j-th contiguous slice, receives it from every node, adds the slices in node order and sends the sum
    /// to every node. Each value is added by one node only, in a fixed order, so every node gets the same bits;
    /// each node sends and receives about 2(N-1)/N of the buffer, instead of (N-1) for everyone-to-everyone.
    /// </summary>
    public void AllReduceSum(float[] buffer, CollectiveTag tag, CollectiveTopology topology)
    {
        int call = Enter(tag, topology);
        int nodes = topology.Nodes.Count, me = topology.ThisNode;
        foreach (var node in Others(topology))
        {
            var (start, length) = Slice(buffer.Length, nodes, node);
            Send(node, tag, call, CollectivePart.Contribution, buffer.AsSpan(start, length));
        }
        var (ownStart, ownLength) = Slice(buffer.Length, nodes, me);
        var own = buffer.AsSpan(ownStart, ownLength);
        // The sum starts as node 0's slice: a received (pooled) buffer, or a pooled copy of this node's own.
        var sum = me == 0 ? RentSegment(ownLength) : Receive(0, tag, call, CollectivePart.Contribution, ownLength);
        if (me == 0) own.CopyTo(sum.AsSpan());
        for (int node = 1; node < nodes; node++)
        {
            if (node == me)
            {
                Add(sum, own);
                continue;
            }
            var part = Receive(node, tag, call, CollectivePart.Contribution, ownLength);
            Add(sum, part);
            Release(part);
        }
        foreach (var node in Others(topology)) Send(node, tag, call, CollectivePart.Reduced, sum);
        sum.AsSpan().CopyTo(own);
        Release(sum);
        foreach (var node in Others(topology))
        {
            var (start, length) = Slice(buffer.Length, nodes, node);
            var part = Receive(node, tag, call, CollectivePart.Reduced, length);
            part.AsSpan().CopyTo(buffer.AsSpan(start));
            Release(part);
        }
    }

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
    internal void OnAbort(int generation, Action<string> listener)
    {
        string? reason;
        lock (_gate)
        {
            if (!_aborted.TryGetValue(generation, out reason))
            {
                if (!_abortListeners.TryGetValue(generation, out var listeners)) _abortListeners[generation] = listeners = new();
                listeners.Add(listener);
                return;
            }
        }
        listener(reason);
    }

    /// <summary>Closes the listener and every data connection; a call in progress fails.</summary>
    public void Dispose()
    {
        List<DataLink> links;
        int generation;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            links = _links.ToList();
            _links.Clear();
            _outgoing.Clear();
            generation = _generation;
        }
        _listener.Stop();
        links.ForEach(link => link.Dispose());
        if (generation != int.MinValue) AbortLocally(generation, $"the collective exchange of node {Address} was shut down");
    }

    // ---- called by the endpoint actor ----

    internal void AbortFromPeer(int generation, string reason) => AbortLocally(generation, reason);

    internal void PeerResolved(string address, int dataPort)
    {
        lock (_gate)
        {
            _peers[address] = new DnsEndPoint(Akka.Actor.Address.Parse(address).Host!, dataPort);
            Monitor.PulseAll(_gate);
        }
    }

    internal void PeerTerminated(string address)
    {
        CollectiveTopology? topology;
        CollectiveTag current;
        lock (_gate)
        {
            _peers.Remove(address);
            topology = _topology;
            current = _current;
        }
        if (topology is null || topology.Nodes.All(n => n.Address != address)) return;
        AbortLocally(topology.Generation, $"node {address} left during generation {topology.Generation}, step {current.Step}");
    }

    // ---- the data connections ----

    private async Task AcceptAsync()
    {
        while (true)
        {
            Socket socket;
            try { socket = await _listener.AcceptSocketAsync(); }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException) { return; } // stopped
            new Thread(() => Serve(socket)) { IsBackground = true, Name = "collective-data-in" }.Start();
        }
    }

    /// <summary>An incoming connection's thread: handshake, then frames into message buffers until the connection ends.</summary>
    private void Serve(Socket socket)
    {
        var link = DataLink.FromAccepted(socket);
        var remote = socket.RemoteEndPoint;
        string ended;
        try
        {
            if (!link.ReadHandshake(_security, HandshakeTimeout, out var problem) || !Admit(link, out problem))
            {
                _system.Log.Warning("Refused a collective data connection from {0}: {1}", remote, problem);
                link.Dispose();
                return;
            }
            link.Accept();
            ReadFrames(link);
            ended = "its data connection closed";
        }
        catch (Exception e) // anything (a broken peer, a TLS failure, bad frames): an exception here would end the process
        {
            ended = $"its data connection failed ({e.Message})";
        }
        LinkEnded(link, ended);
    }

    /// <summary>Registers an introduced incoming connection; refuses those of a past or aborted generation, misaddressed ones and duplicates.</summary>
    private bool Admit(DataLink link, out string problem)
    {
        lock (_gate)
        {
            int generation = link.Generation;
            problem = _disposed ? "this node is shutting down"
                : generation < _generation ? $"generation {generation} is over (this node is in generation {_generation})"
                : _aborted.ContainsKey(generation) ? $"generation {generation} was aborted"
                : generation == _generation && (link.Target != _topology!.ThisNode || link.Node >= _topology.Nodes.Count)
                    ? $"from node {link.Node} to node {link.Target}, but this is node {_topology!.ThisNode} of {_topology.Nodes.Count}"
                : _links.Any(l => !l.Outgoing && l.Generation == generation && l.Node == link.Node)
                    ? $"node {link.Node} is already connected for generation {generation}"
                : "";
            if (problem.Length > 0) return false;
            _links.Add(link);
            return true;
        }
    }

    private void ReadFrames(DataLink link)
    {
        Incoming? current = null;
        while (link.ReadFrameHeader(out var frame))
        {
            if (frame.PhaseBytes is < 0 or > CollectiveWire.MaxPhaseBytes || frame.Total < 0 || frame.Offset < 0 || frame.Count < 0 ||
                (long)frame.Offset + frame.Count > frame.Total || frame.Part is not (CollectivePart.Contribution or CollectivePart.Reduced))
                throw new InvalidDataException($"malformed frame: {frame}");
            var phase = link.ReadPhase(frame.PhaseBytes);
            if (frame.Offset == 0)
            {
                if (current is { Complete: false }) throw new InvalidDataException($"a new message began before the last one was complete: {frame}");
                current = new Incoming(new CollectiveTag(link.Generation, frame.Step, phase), RentSegment(frame.Total));
                lock (_gate)
                    if (!_incoming.TryAdd(new MessageKey(link.Generation, frame.Call, frame.Part, link.Node), current))
                        throw new InvalidDataException($"message sent twice: {frame}");
            }
            else if (current is null || frame.Offset != current.Received || frame.Total != current.Values.Count)
                throw new InvalidDataException($"frame out of order: {frame}");
            link.ReadValues(current.Values.AsSpan(frame.Offset, frame.Count));
            lock (_gate)
            {
                current.Received += frame.Count;
                if (current.Complete) Monitor.PulseAll(_gate);
            }
        }
    }

    /// <summary>An outgoing connection's peer only ever closes it: when it does, note it (it matters if this node still waits for that peer).</summary>
    private async Task WatchAsync(DataLink link)
    {
        await link.WaitForCloseAsync();
        LinkEnded(link, "its data connection closed");
    }

    private void LinkEnded(DataLink link, string what)
    {
        lock (_gate)
        {
            if (_links.Remove(link) && !link.Closed && link.Generation >= _generation && !_aborted.ContainsKey(link.Generation))
            {
                _lost.TryAdd((link.Generation, link.Node), what);
                Monitor.PulseAll(_gate);
            }
        }
        link.Dispose();
    }

    // ---- the leader's side ----

    /// <summary>Starts a call: switches generation when a new one begins and returns the call's index within it.</summary>
    private int Enter(CollectiveTag tag, CollectiveTopology topology)
    {
        if (tag.Generation != topology.Generation)
            throw new ArgumentException($"tag {tag} does not belong to generation {topology.Generation}", nameof(tag));
        if (topology.Nodes[topology.ThisNode].Address != Address)
            throw new ArgumentException($"node {topology.ThisNode} of the topology is {topology.Nodes[topology.ThisNode].Address}, this exchange is {Address}", nameof(topology));
        List<DataLink> stale;
        lock (_gate)
        {
            if (topology.Generation < _generation)
                throw new CollectiveAbortedException($"collective call at {tag}, but this node is already in generation {_generation}");
            stale = new List<DataLink>();
            if (topology.Generation > _generation)
            {
                _generation = topology.Generation;
                _topology = topology;
                _calls = 0;
                _outgoing.Clear();
                stale = _links.Where(l => l.Generation < _generation).ToList();
                _links.RemoveAll(l => l.Generation < _generation);
                foreach (var key in _lost.Keys.Where(k => k.Generation < _generation).ToList()) _lost.Remove(key);
                foreach (var key in _incoming.Keys.Where(k => k.Generation < _generation).ToList()) _incoming.Remove(key);
                foreach (var old in _aborted.Keys.Where(g => g < _generation).ToList()) _aborted.Remove(old);
                foreach (var old in _abortListeners.Keys.Where(g => g < _generation).ToList()) _abortListeners.Remove(old);
                _endpoint.Tell(new CollectiveEndpoint.WatchPeers(Others(topology).Select(n => topology.Nodes[n].Address).ToList()));
            }
            _current = tag;
        }
        stale.ForEach(link => link.Dispose());
        lock (_gate)
        {
            ThrowIfAborted(tag);
            return _calls++;
        }
    }

    private void Send(int node, CollectiveTag tag, int call, CollectivePart part, ReadOnlySpan<float> values)
    {
        var link = Outgoing(node, tag);
        try { link.WriteMessage(tag, call, part, values, _settings.FloatsPerChunk); }
        catch (IOException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.TimedOut })
        {
            var reason = $"node {Address} waited more than {_settings.Timeout} for node {_topology!.Nodes[node].Address} to take its data at {tag}";
            Abort(_topology, reason);
            throw new CollectiveAbortedException(reason);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            throw LinkFailed(tag, node, $"sending to it failed ({e.Message})");
        }
    }

    /// <summary>This generation's connection to <paramref name="node"/>, opened on first use.</summary>
    private DataLink Outgoing(int node, CollectiveTag tag)
    {
        lock (_gate)
        {
            ThrowIfAborted(tag);
            if (_outgoing.TryGetValue(node, out var open)) return open;
        }
        var address = _topology!.Nodes[node].Address;
        var peer = WaitFor(tag, $"the data endpoint of node {address}", () => _peers.GetValueOrDefault(address));
        var link = DataLink.ForPeer(tag.Generation, node);
        lock (_gate)
        {
            ThrowIfAborted(tag); // an abort closes what is in _links, so register before connecting
            _links.Add(link);
            _outgoing[node] = link;
        }
        try { link.Connect(peer, peer.Host, _topology.ThisNode, _security, _settings.Timeout); }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or AuthenticationException or OperationCanceledException)
        {
            throw LinkFailed(tag, node, $"its data connection could not be opened ({e.Message})");
        }
        _ = WatchAsync(link);
        return link;
    }

    private ArraySegment<float> Receive(int node, CollectiveTag tag, int call, CollectivePart part, int? expectedLength)
    {
        var key = new MessageKey(tag.Generation, call, part, node);
        var address = _topology!.Nodes[node].Address;
        var what = part == CollectivePart.Contribution ? "contribution" : "reduced slice";
        var ready = WaitFor<object>(tag, $"the {what} of node {address}", () =>
            _incoming.TryGetValue(key, out var m) && m.Complete ? m : (object?)_lost.GetValueOrDefault((tag.Generation, node)));
        if (ready is string lost) throw LinkFailed(tag, node, lost);
        var incoming = (Incoming)ready;
        lock (_gate) _incoming.Remove(key);
        // Every node makes the same calls in the same order: a different tag or length here means they disagree.
        string? problem = (incoming.Tag != tag ? $"node {address} is at {incoming.Tag} while node {Address} is at {tag}" : null)
            ?? (expectedLength is { } n && n != incoming.Values.Count ? $"node {address} sent {incoming.Values.Count} values where {n} were expected at {tag}" : null);
        if (problem is not null)
        {
            Abort(_topology, problem);
            throw new CollectiveAbortedException(problem);
        }
        return incoming.Values;
    }

    /// <summary>
    /// The connection to or from <paramref name="node"/> broke: unless an abort explains it (its notice may still be
    /// on its way, so wait a moment), abort the generation naming the node.
    /// </summary>
    private CollectiveAbortedException LinkFailed(CollectiveTag tag, int node, string what)
    {
        var reason = $"node {_topology!.Nodes[node].Address} left during generation {tag.Generation}, step {tag.Step}: {what}";
        lock (_gate)
        {
            var clock = Stopwatch.StartNew();
            while (!_aborted.ContainsKey(tag.Generation) && clock.Elapsed < LinkFailureGrace) Monitor.Wait(_gate, LinkFailureGrace - clock.Elapsed);
            if (_aborted.TryGetValue(tag.Generation, out var aborted)) return new CollectiveAbortedException($"collective aborted at {tag}: {aborted}");
        }
        Abort(_topology, reason);
        return new CollectiveAbortedException(reason);
    }

    /// <summary>Blocks until <paramref name="ready"/> returns non-null; aborts the generation after the timeout.</summary>
    private T WaitFor<T>(CollectiveTag tag, string what, Func<T?> ready) where T : class
    {
        var clock = Stopwatch.StartNew();
        lock (_gate)
        {
            while (true)
            {
                ThrowIfAborted(tag);
                if (ready() is { } value) return value;
                var left = _settings.Timeout - clock.Elapsed;
                if (left <= TimeSpan.Zero) break;
                Monitor.Wait(_gate, left);
            }
        }
        var reason = $"node {Address} waited more than {_settings.Timeout} for {what} at {tag}";
        Abort(_topology!, reason);
        throw new CollectiveAbortedException(reason);
    }

    private void ThrowIfAborted(CollectiveTag tag)
    {
        if (_aborted.TryGetValue(tag.Generation, out var reason)) throw new CollectiveAbortedException($"collective aborted at {tag}: {reason}");
    }

    /// <summary>Records the abort, closes the generation's connections (ending blocked sends) and wakes waiters; false when already aborted (or over).</summary>
    private bool AbortLocally(int generation, string reason)
    {
        List<Action<string>>? listeners;
        List<DataLink> links;
        lock (_gate)
        {
            if (generation < _generation || _aborted.ContainsKey(generation)) return false;
            _aborted[generation] = reason;
            foreach (var key in _incoming.Keys.Where(k => k.Generation == generation).ToList()) _incoming.Remove(key);
            links = _links.Where(l => l.Generation == generation).ToList();
            _links.RemoveAll(l => l.Generation == generation);
            if (generation == _generation) _outgoing.Clear();
            _abortListeners.Remove(generation, out listeners);
            Monitor.PulseAll(_gate);
        }
        links.ForEach(link => link.Dispose());
        listeners?.ForEach(listener => listener(reason));
        return true;
    }

    private static IPAddress BindAddress(string hostname) =>
        IPAddress.TryParse(hostname, out var address) ? address
            : Dns.GetHostAddresses(hostname).OrderBy(a => a.AddressFamily == AddressFamily.InterNetwork ? 0 : 1).First();

    private static ArraySegment<float> RentSegment(int length) => new(length == 0 ? Array.Empty<float>() : ArrayPool<float>.Shared.Rent(length), 0, length);

    private static IEnumerable<int> Others(CollectiveTopology topology)
    {
        // Start after this node so that not every node sends to node 0 first.
        for (int i = 1; i < topology.Nodes.Count; i++) yield return (topology.ThisNode + i) % topology.Nodes.Count;
    }

    /// <summary>The contiguous slice of a buffer of <paramref name="length"/> values that <paramref name="node"/> owns.</summary>
    private static (int Start, int Length) Slice(int length, int nodes, int node)
    {
        int per = (length + nodes - 1) / nodes;
        int start = Math.Min(length, node * per);
        return (start, Math.Min(length, start + per) - start);
    }

    private static void Release(ArraySegment<float> values)
    {
        if (values.Array is { Length: > 0 } array) ArrayPool<float>.Shared.Return(array);
    }

    /// <summary>sum[i] += values[i], Vector&lt;float&gt; lanes at a time (IEEE addition per element, so lanes change no bits).</summary>
    private static void Add(Span<float> target, ReadOnlySpan<float> values)
    {
        var wide = System.Runtime.InteropServices.MemoryMarshal.Cast<float, Vector<float>>(target);
        var addend = System.Runtime.InteropServices.MemoryMarshal.Cast<float, Vector<float>>(values);
        for (int i = 0; i < wide.Length; i++) wide[i] += addend[i];
        for (int i = wide.Length * Vector<float>.Count; i < target.Length; i++) target[i] += values[i];
    }

    private readonly record struct MessageKey(int Generation, int Call, CollectivePart Part, int Source);

    /// <summary>A message being received: its values (a pooled array, the leader returns it) and how many arrived.</summary>
    private sealed class Incoming(CollectiveTag tag, ArraySegment<float> values)
    {
        public CollectiveTag Tag { get; } = tag;
        public ArraySegment<float> Values { get; } = values;
        public int Received { get; set; }
        public bool Complete => Received == Values.Count;
    }
}
