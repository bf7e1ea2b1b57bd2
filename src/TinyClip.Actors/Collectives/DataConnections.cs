using System.Net;
using System.Net.Sockets;
using Akka.Event;

namespace TinyClip.Actors.Collectives;

/// <summary>
/// A node's data connections (<see cref="DataLink"/>, TLS when remoting uses it): the listener and the thread per
/// accepted connection that checks its handshake and reads its frames into <see cref="IncomingMessages"/>, the
/// outgoing connection to each peer (one per ordered node pair and generation, opened when the leader first sends),
/// the peers' data endpoints, and which connections broke. Connections of a past or aborted generation are refused
/// or closed. Everything is guarded by the exchange's <see cref="GenerationState.Gate"/>.
/// </summary>
internal sealed class DataConnections : IDisposable
{
    /// <summary>How long an accepted connection may take to introduce itself.</summary>
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(30);

    private readonly GenerationState _state;
    private readonly CollectiveSettings _settings;
    private readonly ILoggingAdapter _log;
    private readonly TcpListener _listener;
    private readonly DataSecurity? _security;
    private readonly Dictionary<string, DnsEndPoint> _peers = new();
    private readonly Dictionary<int, DataLink> _outgoing = new();
    private readonly List<DataLink> _links = new();
    private readonly Dictionary<(int Generation, int Node), string> _lost = new();
    private bool _disposed;

    public DataConnections(GenerationState state, CollectiveSettings settings, ILoggingAdapter log)
    {
        _state = state;
        _settings = settings;
        _log = log;
        Incoming = new IncomingMessages(state);
        _security = DataSecurity.For(settings.Tls);
        _listener = new TcpListener(BindAddress(settings.Hostname), settings.DataPort);
        _listener.Start();
        DataPort = ((IPEndPoint)_listener.LocalEndpoint).Port;
    }

    /// <summary>The port of the data listener (on the remoting hostname).</summary>
    public int DataPort { get; }

    public IncomingMessages Incoming { get; }

    public void StartAccepting() => _ = AcceptAsync();

    public void PeerResolved(string address, int dataPort)
    {
        lock (_state.Gate)
        {
            _peers[address] = new DnsEndPoint(Akka.Actor.Address.Parse(address).Host!, dataPort);
            _state.Pulse();
        }
    }

    public void PeerTerminated(string address)
    {
        lock (_state.Gate) _peers.Remove(address);
    }

    /// <summary>The data endpoint of the node at <paramref name="address"/>, once its endpoint actor told it (the caller holds the gate).</summary>
    public DnsEndPoint? Peer(string address) => _peers.GetValueOrDefault(address);

    /// <summary>Why the connection with <paramref name="node"/> in <paramref name="generation"/> broke, if it did (the caller holds the gate).</summary>
    public string? Lost(int generation, int node) => _lost.GetValueOrDefault((generation, node));

    /// <summary>This generation's open connection to <paramref name="node"/>, if there is one.</summary>
    public DataLink? Outgoing(int node)
    {
        lock (_state.Gate) return _outgoing.GetValueOrDefault(node);
    }

    /// <summary>
    /// Opens the connection to <paramref name="node"/> of <paramref name="tag"/>'s generation at <paramref name="peer"/>.
    /// It is registered before it connects, so that an abort closes it while it connects; throws what connecting throws.
    /// </summary>
    public DataLink Open(CollectiveTag tag, int node, DnsEndPoint peer, int thisNode)
    {
        var link = DataLink.ForPeer(tag.Generation, node);
        lock (_state.Gate)
        {
            _state.ThrowIfAborted(tag);
            _links.Add(link);
            _outgoing[node] = link;
        }
        link.Connect(peer, peer.Host, thisNode, _security, _settings.Timeout);
        _ = WatchAsync(link);
        return link;
    }

    /// <summary>A new generation began: forgets (and returns, to be closed outside the lock) the connections of older ones.</summary>
    public List<DataLink> ForgetBefore(int generation)
    {
        lock (_state.Gate)
        {
            _outgoing.Clear();
            foreach (var key in _lost.Keys.Where(k => k.Generation < generation).ToList()) _lost.Remove(key);
            Incoming.Forget(g => g < generation);
            return Take(l => l.Generation < generation);
        }
    }

    /// <summary>The generation was aborted: forgets (and returns, to be closed outside the lock) its connections and messages.</summary>
    public List<DataLink> ForgetAborted(int generation)
    {
        lock (_state.Gate)
        {
            Incoming.Forget(g => g == generation);
            if (generation == _state.Generation) _outgoing.Clear();
            return Take(l => l.Generation == generation);
        }
    }

    /// <summary>Closes the listener and every connection (ending blocked reads and writes).</summary>
    public void Dispose()
    {
        List<DataLink> links;
        lock (_state.Gate)
        {
            if (_disposed) return;
            _disposed = true;
            _outgoing.Clear();
            links = Take(_ => true);
        }
        _listener.Stop();
        links.ForEach(link => link.Dispose());
    }

    private List<DataLink> Take(Predicate<DataLink> which)
    {
        var taken = _links.FindAll(which);
        _links.RemoveAll(which);
        return taken;
    }

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
                _log.Warning("Refused a collective data connection from {0}: {1}", remote, problem);
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
        lock (_state.Gate)
        {
            int generation = link.Generation;
            var topology = _state.Topology;
            problem = _disposed ? "this node is shutting down"
                : _state.Over(generation)
                ?? (generation == _state.Generation && (link.Target != topology!.ThisNode || link.Node >= topology.Nodes.Count)
                    ? $"from node {link.Node} to node {link.Target}, but this is node {topology.ThisNode} of {topology.Nodes.Count}"
                : _links.Any(l => !l.Outgoing && l.Generation == generation && l.Node == link.Node)
                    ? $"node {link.Node} is already connected for generation {generation}"
                : "");
            if (problem.Length > 0) return false;
            _links.Add(link);
            return true;
        }
    }

    private void ReadFrames(DataLink link)
    {
        IncomingMessages.Message? current = null;
        while (link.ReadFrameHeader(out var frame))
        {
            if (frame.PhaseBytes is < 0 or > CollectiveWire.MaxPhaseBytes || frame.Total < 0 || frame.Offset < 0 || frame.Count < 0 ||
                (long)frame.Offset + frame.Count > frame.Total || frame.Part is not (CollectivePart.Contribution or CollectivePart.Reduced))
                throw new InvalidDataException($"malformed frame: {frame}");
            var phase = link.ReadPhase(frame.PhaseBytes);
            if (frame.Offset == 0)
            {
                if (current is { Complete: false }) throw new InvalidDataException($"a new message began before the last one was complete: {frame}");
                current = Incoming.Begin(link.Generation, frame.Call, frame.Part, link.Node, new CollectiveTag(link.Generation, frame.Step, phase), frame.Total);
            }
            else if (current is null || frame.Offset != current.Received || frame.Total != current.Values.Count)
                throw new InvalidDataException($"frame out of order: {frame}");
            link.ReadValues(current.Values.AsSpan(frame.Offset, frame.Count));
            Incoming.Arrived(current, frame.Count);
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
        lock (_state.Gate)
        {
            if (_links.Remove(link) && !link.Closed && _state.Over(link.Generation) is null)
            {
                _lost.TryAdd((link.Generation, link.Node), what);
                _state.Pulse();
            }
        }
        link.Dispose();
    }

    private static IPAddress BindAddress(string hostname) =>
        IPAddress.TryParse(hostname, out var address) ? address
            : Dns.GetHostAddresses(hostname).OrderBy(a => a.AddressFamily == AddressFamily.InterNetwork ? 0 : 1).First();
}
