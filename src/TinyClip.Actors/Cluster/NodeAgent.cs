using Akka.Actor;
using TinyClip.Actors.Runtime;

namespace TinyClip.Actors.Cluster;

/// <summary>
/// One per process of a cluster run: registers this node's trainers with the supervisor singleton (through its proxy)
/// and repeats that every interval, so that a supervisor that moved to another node learns about the node again;
/// passes stage assignments on to the local worker group; completes the node's task when the run ends, or, failed,
/// when the supervisor refuses the node.
/// </summary>
public sealed class NodeAgent : ReceiveActor, IWithTimers
{
    private readonly IActorRef _supervisor;
    private readonly RegisterNode _registration;
    private readonly IActorRef? _workers;
    private readonly TimeSpan _interval;

    /// <param name="workers">This node's worker group, or null on a node that only coordinates.</param>
    public NodeAgent(IActorRef supervisor, RegisterNode registration, IActorRef? workers, TaskCompletionSource<RunFinished> completion, TimeSpan interval)
    {
        _supervisor = supervisor;
        _registration = registration;
        _workers = workers;
        _interval = interval;

        Receive<Register>(_ => _supervisor.Tell(_registration));
        Receive<RunStage>(run => _workers?.Forward(run));
        Receive<StopGracefully>(stop => _workers?.Forward(stop));
        Receive<RunFinished>(finished => End(finished, completion));
        Receive<NodeRefused>(refused => End(new RunFinished(false, refused.Reason), completion));
    }

    private void End(RunFinished finished, TaskCompletionSource<RunFinished> completion)
    {
        Timers.CancelAll();
        _workers?.Tell(finished);
        completion.TrySetResult(finished);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IActorRef supervisor, RegisterNode registration, IActorRef? workers, TaskCompletionSource<RunFinished> completion, TimeSpan interval) =>
        Akka.Actor.Props.Create(() => new NodeAgent(supervisor, registration, workers, completion, interval));

    protected override void PreStart() => Timers.StartPeriodicTimer("register", Register.Instance, TimeSpan.Zero, _interval);

    private sealed record Register
    {
        public static readonly Register Instance = new();
    }
}
