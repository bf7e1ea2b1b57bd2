using Akka.Actor;
using TinyClip.Actors.Collectives;
using TinyClip.Actors.Configuration;
using TinyClip.Actors.Training;
using TinyClip.Data.Ordering;

namespace TinyClip.Actors.Runtime;

/// <summary>Settings of this process's trainers.</summary>
public sealed record WorkerGroupSettings(
    IReadOnlyList<string> Devices,
    string RunDirectory,
    int VocabularySize,
    long CheckpointEverySteps,
    int KeepLastCheckpoints,
    int MaxNonFiniteStepsInRow,
    bool AllowPickle,
    int BatchesInFlight,
    TimeSpan CollectiveTimeout,
    int ThreadsPerTrainer,
    bool SampleLog = false,
    TeacherPrecision TeacherPrecision = TeacherPrecision.Fp32,
    bool OverlapGradientExchange = false);

/// <summary>
/// The trainers of one process (one per device) and their data feed. For each RunStage it picks the checkpoint to
/// resume from (the newest whose files verify) and reads it once for all its trainers, starts the feed at that
/// checkpoint's cursor (reading and decoding only
/// the lanes of this node's rows of every global batch), wires a fresh collective group (in-process, or across nodes when the generation spans
/// several), and starts every trainer; any trainer's failure aborts the group and is reported once.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "an actor: the feed's cancellation source (no timer, nothing unmanaged) is cancelled in PostStop")]
public sealed class WorkerGroup : ReceiveActor
{
    private readonly WorkerGroupSettings _settings;
    private readonly IStageDataSource _data;
    private readonly IActorRef _monitor;
    private readonly IReadOnlyList<IActorRef> _trainers;
    private CancellationTokenSource? _feedCancellation;
    private readonly Func<CollectiveTopology, ICollectiveGroup> _newCollective;
    private ICollectiveGroup? _collective;
    // One signal for the group's lifetime: a stop requested between stages (or at a stage's last step) still stops
    // the next stage after its first step, instead of being forgotten with the finished stage.
    private readonly StopSignal _stop = new();
    private StageAssignment? _current;
    private IActorRef _supervisor = ActorRefs.Nobody;
    private bool _failureReported;
    private long _attempt;

    /// <param name="crossNodeCollective">Builds the collectives of a generation that spans several nodes (cluster mode);
    /// null in a single process.</param>
    public WorkerGroup(WorkerGroupSettings settings, IStageDataSource data, IActorRef monitor,
        Func<CollectiveTopology, ICollectiveGroup>? crossNodeCollective = null)
    {
        _settings = settings;
        _newCollective = topology => topology.Nodes.Count == 1
            ? new InProcessCollectiveGroup(topology.Local.Ranks, settings.CollectiveTimeout)
            : crossNodeCollective?.Invoke(topology) ?? throw new InvalidOperationException("a generation of several nodes needs cluster mode");
        _data = data;
        _monitor = monitor;
        _trainers = settings.Devices.Select((_, rank) => Context.ActorOf(TrainerActor.Props(), $"trainer-{rank}")).ToList();

        Receive<RunStage>(run => Start(run.Assignment, run.Topology));
        Receive<RunFinished>(_ => StopCurrent("the run finished"));
        Receive<StopGracefully>(_ => _stop.Request());
        Receive<TrainerStepped>(stepped => _monitor.Forward(stepped with { Data = _data.Work }));
        Receive<TrainerStopped>(stopped => _monitor.Forward(stopped));
        Receive<TrainerFailed>(OnTrainerFailed);
    }

    public static Props Props(WorkerGroupSettings settings, IStageDataSource data, IActorRef monitor,
        Func<CollectiveTopology, ICollectiveGroup>? crossNodeCollective = null) =>
        Akka.Actor.Props.Create(() => new WorkerGroup(settings, data, monitor, crossNodeCollective));

    private void Start(StageAssignment assignment, CollectiveTopology topology)
    {
        StopCurrent("a new stage assignment arrived");
        _supervisor = Sender;
        _failureReported = false;
        _attempt++;
        var local = topology.Local;
        if (local.Ranks != _trainers.Count)
            throw new InvalidOperationException($"the assignment gives this node {local.Ranks} trainers, it has {_trainers.Count}");
        var rejected = new List<string>();
        ResumeCheckpoint? resume = null;
        foreach (var candidate in assignment.ResumeFrom)
        {
            resume = StageCheckpoints.TryRead(candidate, holders: local.Ranks, out var problem);
            if (resume is not null) break;
            rejected.Add($"{candidate.File}: {problem}");
        }
        var resumeFrom = resume?.Checkpoint;
        if (assignment.ResumeFrom.Count > 0)
            _monitor.Tell(new StageResumed(assignment.Stage.Name, resumeFrom?.Step ?? 0, rejected));
        var verified = assignment with { ResumeFrom = resumeFrom is null ? Array.Empty<CheckpointRef>() : new[] { resumeFrom } };
        _current = verified;
        var cursor = resumeFrom?.Cursor ?? _data.Start(verified.Stage);

        _collective = _newCollective(topology);
        _feedCancellation = new CancellationTokenSource();
        var fanOut = new BatchFanOut(local.FirstRank, local.Ranks, topology.WorldSize, _settings.BatchesInFlight);
        var rows = fanOut.NodeRows(verified.Stage.BatchSize);
        _ = fanOut.RunAsync(_data.Read(verified.Stage, cursor, rows, _feedCancellation.Token), _feedCancellation.Token);
        var cadence = new CheckpointCadence(_settings.CheckpointEverySteps, verified.Stage.EvalEverySteps, verified.Stage.Auto?.PruneStep);
        for (int index = 0; index < local.Ranks; index++)
        {
            var setup = new TrainerSetup(verified, local.FirstRank + index, topology.WorldSize, cursor, ReportsProgress: index == 0, _settings.Devices[index], _settings.RunDirectory,
                _settings.VocabularySize, _settings.KeepLastCheckpoints, _settings.MaxNonFiniteStepsInRow, _settings.AllowPickle, _settings.ThreadsPerTrainer, _settings.SampleLog,
                _settings.TeacherPrecision, _settings.OverlapGradientExchange);
            _trainers[index].Tell(new StartTraining(_attempt, setup, resume, _collective.Members[index], fanOut.Reader(index), _stop, cadence, _supervisor,
                _feedCancellation.Token));
        }
    }

    private void OnTrainerFailed(TrainerFailed failed)
    {
        if (_current is null || failed.Attempt != _attempt || _failureReported) return;
        _failureReported = true;
        StopCurrent($"trainer {failed.Rank} failed");
        _supervisor.Tell(new StageFailed(_current.Stage.Name, _current.Generation, $"trainer {failed.Rank}: {failed.Reason}", failed.Fatal));
    }

    private void StopCurrent(string reason)
    {
        _collective?.Abort(reason);
        _feedCancellation?.Cancel();
    }

    protected override void PostStop() => StopCurrent("the worker group stopped");
}
