using Akka.Actor;

namespace TinyClip.Actors.Collectives;

/// <summary>
/// A process's mailbox for collectives at <c>/user/collective</c> (a fixed name, so peers find it from a node address
/// alone). Thin: it hands chunks, acks and abort notices to its <see cref="NodeExchange"/>, acknowledges every chunk
/// once it is stored (the sender's flow control), and DeathWatches the peers of the current topology so that a node
/// that leaves aborts the exchange at once instead of at the timeout.
/// </summary>
public sealed class CollectiveEndpoint : ReceiveActor, IWithTimers
{
    public const string Name = "collective";

    private static readonly TimeSpan IdentifyRetry = TimeSpan.FromMilliseconds(250);

    private readonly NodeExchange _exchange;
    private readonly Dictionary<string, IActorRef> _watched = new();
    private readonly HashSet<string> _unresolved = new();

    public CollectiveEndpoint(NodeExchange exchange)
    {
        _exchange = exchange;
        Receive<CollectiveChunk>(chunk =>
        {
            _exchange.Deliver(chunk);
            Sender.Tell(new CollectiveChunkAck(chunk.Tag.Generation, chunk.Destination));
        });
        Receive<CollectiveChunkAck>(ack => _exchange.Acknowledge(ack));
        Receive<CollectiveAbortNotice>(notice => _exchange.AbortFromPeer(notice.Generation, notice.Reason));
        Receive<WatchPeers>(watch =>
        {
            foreach (var address in watch.Addresses)
            {
                if (_watched.TryGetValue(address, out var known)) _exchange.PeerResolved(address, known);
                else _unresolved.Add(address);
            }
            IdentifyUnresolved();
        });
        Receive<ActorIdentity>(identity =>
        {
            // Subject is null while the peer's process runs but has not started its exchange yet: the timer retries.
            if (identity.MessageId is not string address || identity.Subject is null || !_unresolved.Remove(address)) return;
            _watched[address] = identity.Subject;
            Context.Watch(identity.Subject);
            _exchange.PeerResolved(address, identity.Subject);
        });
        Receive<RetryIdentify>(_ => IdentifyUnresolved());
        Receive<Terminated>(terminated =>
        {
            var address = terminated.ActorRef.Path.Address.ToString();
            _watched.Remove(address);
            _exchange.PeerTerminated(address);
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Sent by the exchange when a generation starts: resolve and watch these peer nodes' endpoints.</summary>
    public sealed record WatchPeers(IReadOnlyList<string> Addresses);

    private sealed record RetryIdentify;

    private void IdentifyUnresolved()
    {
        // Identify may get no answer at all (a peer not reachable yet), so retry until every peer has answered.
        foreach (var address in _unresolved) Context.ActorSelection($"{address}/user/{Name}").Tell(new Identify(address));
        if (_unresolved.Count > 0) Timers.StartSingleTimer(nameof(RetryIdentify), new RetryIdentify(), IdentifyRetry);
    }
}
