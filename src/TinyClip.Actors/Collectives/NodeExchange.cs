using System.Diagnostics;
using System.Numerics;
using Akka.Actor;

namespace TinyClip.Actors.Collectives;

/// <summary>
/// Collectives between the leaders of the nodes of a generation, one instance per process (per ActorSystem). The
/// leader's thread calls it and blocks; the <see cref="CollectiveEndpoint"/> actor feeds it chunks and acks.
/// Payloads travel in chunks of at most <see cref="CollectiveSettings.ChunkBytes"/>, at most
/// <see cref="CollectiveSettings.ChunksInFlight"/> unacknowledged per destination, so a connection never queues more
/// than that ahead of Akka's own heartbeats. Chunks that arrive before the leader asks (a peer is ahead) are kept;
/// chunks of an older generation are dropped. One call at a time, from one thread.
/// </summary>
public sealed class NodeExchange
{
    private readonly object _gate = new();
    private readonly ActorSystem _system;
    private readonly CollectiveSettings _settings;
    private IActorRef _endpoint = ActorRefs.Nobody;

    // The generation the leader is in: its topology, how many calls it made, where it is now (for messages).
    private CollectiveTopology? _topology;
    private int _generation = int.MinValue;
    private int _calls;
    private CollectiveTag _current;

    private readonly Dictionary<string, IActorRef> _peers = new();
    private readonly Dictionary<int, int> _unacknowledged = new();
    private readonly Dictionary<MessageKey, Incoming> _incoming = new();
    private readonly Dictionary<int, string> _aborted = new();
    private readonly Dictionary<int, List<Action<string>>> _abortListeners = new();

    private NodeExchange(ActorSystem system, CollectiveSettings settings)
    {
        _system = system;
        _settings = settings;
        Address = ((ExtendedActorSystem)system).Provider.DefaultAddress.ToString();
    }

    /// <summary>This node's Akka address, as peers name it in a <see cref="NodeSlot"/>.</summary>
    public string Address { get; }

    public CollectiveSettings Settings => _settings;

    /// <summary>Creates the exchange and its endpoint actor at <c>/user/collective</c>.</summary>
    public static NodeExchange Start(ActorSystem system, CollectiveSettings settings)
    {
        var exchange = new NodeExchange(system, settings);
        exchange._endpoint = system.ActorOf(Props.Create(() => new CollectiveEndpoint(exchange)), CollectiveEndpoint.Name);
        return exchange;
    }

    /// <summary>Every node's <paramref name="local"/> concatenated in node order (lengths may differ).</summary>
    public float[] AllGather(float[] local, CollectiveTag tag, CollectiveTopology topology)
    {
        int call = Enter(tag, topology);
        int nodes = topology.Nodes.Count, me = topology.ThisNode;
        foreach (var node in Others(topology)) Send(node, tag, call, CollectivePart.Contribution, local, 0, local.Length);
        var parts = new float[nodes][];
        for (int node = 0; node < nodes; node++)
            parts[node] = node == me ? local : Receive(node, tag, call, CollectivePart.Contribution, expectedLength: null);
        Drain(tag);
        var gathered = new float[parts.Sum(p => p.Length)];
        int offset = 0;
        foreach (var part in parts)
        {
            part.CopyTo(gathered, offset);
            offset += part.Length;
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
            Send(node, tag, call, CollectivePart.Contribution, buffer, start, length);
        }
        var (ownStart, ownLength) = Slice(buffer.Length, nodes, me);
        var sum = me == 0 ? buffer.AsSpan(ownStart, ownLength).ToArray() : Receive(0, tag, call, CollectivePart.Contribution, ownLength);
        for (int node = 1; node < nodes; node++)
        {
            if (node == me) Add(sum, buffer.AsSpan(ownStart, ownLength));
            else Add(sum, Receive(node, tag, call, CollectivePart.Contribution, ownLength));
        }
        foreach (var node in Others(topology)) Send(node, tag, call, CollectivePart.Reduced, sum, 0, sum.Length);
        sum.CopyTo(buffer, ownStart);
        foreach (var node in Others(topology))
        {
            var (start, length) = Slice(buffer.Length, nodes, node);
            Receive(node, tag, call, CollectivePart.Reduced, length).CopyTo(buffer, start);
        }
        Drain(tag);
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

    // ---- called by the endpoint actor ----

    internal void Deliver(CollectiveChunk chunk)
    {
        lock (_gate)
        {
            int generation = chunk.Tag.Generation;
            if (generation < _generation || _aborted.ContainsKey(generation)) return; // stale: nobody will ask for it
            var key = new MessageKey(generation, chunk.Call, chunk.Part, chunk.Source);
            if (!_incoming.TryGetValue(key, out var incoming)) _incoming[key] = incoming = new Incoming(chunk.Tag, new float[chunk.TotalLength]);
            if (chunk.TotalLength != incoming.Values.Length || chunk.Offset < 0 || chunk.Offset + chunk.Values.Count > incoming.Values.Length)
            {
                incoming.Problem = $"node {chunk.Source} sent values [{chunk.Offset}, {chunk.Offset + chunk.Values.Count}) of {chunk.TotalLength} " +
                                   $"for a message of {incoming.Values.Length}";
            }
            else
            {
                chunk.Values.AsSpan().CopyTo(incoming.Values.AsSpan(chunk.Offset));
                incoming.Received += chunk.Values.Count;
                incoming.Chunks++;
            }
            if (incoming.Complete || incoming.Problem is not null) Monitor.PulseAll(_gate);
        }
    }

    internal void Acknowledge(CollectiveChunkAck ack)
    {
        lock (_gate)
        {
            if (ack.Generation != _generation || !_unacknowledged.TryGetValue(ack.Node, out var count) || count == 0) return;
            _unacknowledged[ack.Node] = count - 1;
            Monitor.PulseAll(_gate);
        }
    }

    internal void AbortFromPeer(int generation, string reason) => AbortLocally(generation, reason);

    internal void PeerResolved(string address, IActorRef endpoint)
    {
        lock (_gate)
        {
            _peers[address] = endpoint;
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

    // ---- the leader's side ----

    /// <summary>Starts a call: switches generation when a new one begins and returns the call's index within it.</summary>
    private int Enter(CollectiveTag tag, CollectiveTopology topology)
    {
        if (tag.Generation != topology.Generation)
            throw new ArgumentException($"tag {tag} does not belong to generation {topology.Generation}", nameof(tag));
        if (topology.Nodes[topology.ThisNode].Address != Address)
            throw new ArgumentException($"node {topology.ThisNode} of the topology is {topology.Nodes[topology.ThisNode].Address}, this exchange is {Address}", nameof(topology));
        lock (_gate)
        {
            if (topology.Generation < _generation)
                throw new CollectiveAbortedException($"collective call at {tag}, but this node is already in generation {_generation}");
            if (topology.Generation > _generation)
            {
                _generation = topology.Generation;
                _topology = topology;
                _calls = 0;
                _unacknowledged.Clear();
                foreach (var key in _incoming.Keys.Where(k => k.Generation < _generation).ToList()) _incoming.Remove(key);
                foreach (var old in _aborted.Keys.Where(g => g < _generation).ToList()) _aborted.Remove(old);
                foreach (var old in _abortListeners.Keys.Where(g => g < _generation).ToList()) _abortListeners.Remove(old);
                _endpoint.Tell(new CollectiveEndpoint.WatchPeers(Others(topology).Select(n => topology.Nodes[n].Address).ToList()));
            }
            _current = tag;
            ThrowIfAborted(tag);
            return _calls++;
        }
    }

    private void Send(int node, CollectiveTag tag, int call, CollectivePart part, float[] source, int start, int length)
    {
        var address = _topology!.Nodes[node].Address;
        var peer = WaitFor(tag, $"the collective endpoint of node {address}", () => _peers.GetValueOrDefault(address));
        int perChunk = _settings.FloatsPerChunk, me = _topology.ThisNode;
        int offset = 0;
        do // at least one chunk, so that an empty message arrives too
        {
            int count = Math.Min(perChunk, length - offset);
            WaitFor(tag, $"acknowledgements from node {address}", () => _unacknowledged.GetValueOrDefault(node) < _settings.ChunksInFlight ? this : null);
            lock (_gate) _unacknowledged[node] = _unacknowledged.GetValueOrDefault(node) + 1;
            peer.Tell(new CollectiveChunk(tag, call, part, me, node, offset, length, new ArraySegment<float>(source, start + offset, count)), _endpoint);
            offset += count;
        } while (offset < length);
    }

    private float[] Receive(int node, CollectiveTag tag, int call, CollectivePart part, int? expectedLength)
    {
        var key = new MessageKey(tag.Generation, call, part, node);
        var address = _topology!.Nodes[node].Address;
        var what = part == CollectivePart.Contribution ? "contribution" : "reduced slice";
        var incoming = WaitFor(tag, $"the {what} of node {address}",
            () => _incoming.TryGetValue(key, out var m) && (m.Complete || m.Problem is not null) ? m : null);
        lock (_gate) _incoming.Remove(key);
        // Every node makes the same calls in the same order: a different tag or length here means they disagree.
        string? problem = incoming.Problem
            ?? (incoming.Tag != tag ? $"node {address} is at {incoming.Tag} while node {Address} is at {tag}" : null)
            ?? (expectedLength is { } n && n != incoming.Values.Length ? $"node {address} sent {incoming.Values.Length} values where {n} were expected at {tag}" : null);
        if (problem is not null)
        {
            Abort(_topology, problem);
            throw new CollectiveAbortedException(problem);
        }
        return incoming.Values;
    }

    /// <summary>Returns only when every chunk sent was received, so callers may reuse their arrays (chunks refer to them until serialized).</summary>
    private void Drain(CollectiveTag tag) =>
        WaitFor(tag, "acknowledgements of the last chunks", () => _unacknowledged.Values.All(c => c == 0) ? this : null);

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

    /// <summary>Records the abort and wakes waiters; false when the generation was already aborted (or is over).</summary>
    private bool AbortLocally(int generation, string reason)
    {
        List<Action<string>>? listeners;
        lock (_gate)
        {
            if (generation < _generation || _aborted.ContainsKey(generation)) return false;
            _aborted[generation] = reason;
            foreach (var key in _incoming.Keys.Where(k => k.Generation == generation).ToList()) _incoming.Remove(key);
            _abortListeners.Remove(generation, out listeners);
            Monitor.PulseAll(_gate);
        }
        listeners?.ForEach(listener => listener(reason));
        return true;
    }

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

    /// <summary>sum[i] += values[i], Vector&lt;float&gt; lanes at a time (IEEE addition per element, so lanes change no bits).</summary>
    private static void Add(float[] sum, ReadOnlySpan<float> values)
    {
        var target = sum.AsSpan();
        var wide = System.Runtime.InteropServices.MemoryMarshal.Cast<float, Vector<float>>(target);
        var addend = System.Runtime.InteropServices.MemoryMarshal.Cast<float, Vector<float>>(values);
        for (int i = 0; i < wide.Length; i++) wide[i] += addend[i];
        for (int i = wide.Length * Vector<float>.Count; i < target.Length; i++) target[i] += values[i];
    }

    private readonly record struct MessageKey(int Generation, int Call, CollectivePart Part, int Source);

    private sealed class Incoming(CollectiveTag tag, float[] values)
    {
        public CollectiveTag Tag { get; } = tag;
        public float[] Values { get; } = values;
        public int Received { get; set; }
        public int Chunks { get; set; }
        public string? Problem { get; set; }
        public bool Complete => Chunks > 0 && Received == Values.Length;
    }
}
