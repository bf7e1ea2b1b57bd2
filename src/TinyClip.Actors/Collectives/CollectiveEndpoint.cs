using Akka.Actor;

namespace TinyClip.Actors.Collectives;

/// <summary>
/// A process's control endpoint for collectives at <c>/user/collective</c> (a fixed name, so peers find it from a
/// node address alone). Thin: it answers <see cref="CollectiveHello"/> with this node's data port, learns the peers'
/// ports the same way, hands abort notices to its <see cref="NodeExchange"/>, and DeathWatches the peers of the
/// current topology so that a node that leaves aborts the exchange at once instead of at the timeout.
/// </summary>
public sealed class CollectiveEndpoint : ReceiveActor, IWithTimers
{
    public const string Name = "collective";

    private static readonly TimeSpan HelloRetry = TimeSpan.FromMilliseconds(250);

    private readonly NodeExchange _exchange;
    private readonly Dictionary<string, int> _watched = new();
    private readonly HashSet<string> _unresolved = new();

    public CollectiveEndpoint(NodeExchange exchange)
    {
        _exchange = exchange;
        Receive<CollectiveHello>(hello => Sender.Tell(new CollectiveWelcome(hello.Address, _exchange.DataPort)));
        Receive<CollectiveAbortNotice>(notice => _exchange.AbortFromPeer(notice.Generation, notice.Reason));
        Receive<WatchPeers>(watch =>
        {
            foreach (var address in watch.Addresses)
            {
                if (_watched.TryGetValue(address, out var port)) _exchange.PeerResolved(address, port);
                else _unresolved.Add(address);
            }
            HelloUnresolved();
        });
        Receive<CollectiveWelcome>(welcome =>
        {
            if (!_unresolved.Remove(welcome.Address)) return;
            _watched[welcome.Address] = welcome.DataPort;
            Context.Watch(Sender);
            _exchange.PeerResolved(welcome.Address, welcome.DataPort);
        });
        Receive<RetryHello>(_ => HelloUnresolved());
        Receive<Terminated>(terminated =>
        {
            var address = terminated.ActorRef.Path.Address.ToString();
            _watched.Remove(address);
            _exchange.PeerTerminated(address);
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Sent by the exchange when a generation starts: learn these peer nodes' data ports and watch their endpoints.</summary>
    public sealed record WatchPeers(IReadOnlyList<string> Addresses);

    private sealed record RetryHello;

    private void HelloUnresolved()
    {
        // A peer that is not reachable yet, or has not started its exchange, does not answer: retry until all have.
        foreach (var address in _unresolved) Context.ActorSelection($"{address}/user/{Name}").Tell(new CollectiveHello(address));
        if (_unresolved.Count > 0) Timers.StartSingleTimer(nameof(RetryHello), new RetryHello(), HelloRetry);
    }
}
