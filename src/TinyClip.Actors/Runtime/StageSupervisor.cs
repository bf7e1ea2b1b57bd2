using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using TinyClip.Actors.Configuration;
using TinyClip.Actors.Persistence;

namespace TinyClip.Actors.Runtime;

/// <summary>Settings of the stage-supervisor (tinyclip.persistence and tinyclip.training).</summary>
public sealed record StageSupervisorSettings(
    string PersistenceId, long Seed, int SnapshotEveryEvents, int MaxStageRestarts, TimeSpan StageRestartDelay);

/// <summary>
/// Owns the run: plans it, drives the stages in order, commits checkpoints and evaluations as events, and on
/// (re)start replays its journal and tells the worker group where to resume. A thin translator: the state is a
/// <see cref="RunHistory"/>, the decisions are in <see cref="StagePlanner"/>.
/// </summary>
public sealed class StageSupervisor : ReceivePersistentActor
{
    private readonly StagePlanner _planner;
    private readonly StageSupervisorSettings _settings;
    private readonly IActorRef _workers;
    private readonly IActorRef? _evaluator;
    private readonly IReadOnlyList<string> _members;
    private readonly IActorRef _listener;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private RunHistory _history = new();
    private readonly HashSet<(string Stage, long Step)> _pendingEvaluations = new();
    private int _restarts;

    public StageSupervisor(PlanSettings plan, StageSupervisorSettings settings, IActorRef workers, IActorRef? evaluator,
        IReadOnlyList<string> members, IActorRef listener)
    {
        _planner = new StagePlanner(plan, settings.Seed);
        _settings = settings;
        _workers = workers;
        _evaluator = evaluator;
        _members = members;
        _listener = listener;

        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is RunSnapshot snapshot) _history = RunHistory.From(snapshot.Events);
        });
        Recover<IStageEvent>(e => _history.Apply(e));
        Recover<RecoveryCompleted>(_ => Self.Tell(Begin.Instance));

        Command<Begin>(_ => OnBegin());
        Command<CheckpointWritten>(OnCheckpointWritten);
        Command<StageFinished>(OnStageFinished);
        Command<MasksPruned>(pruned =>
        {
            if (IsCurrent(pruned.Stage, pruned.Generation))
                Record(new MasksCommitted(pruned.Stage, pruned.Step, pruned.Towers, DateTimeOffset.UtcNow));
        });
        Command<StageFailed>(OnStageFailed);
        Command<EvaluationFinished>(OnEvaluationFinished);
        Command<RetryStage>(_ => StartCurrentStage());
        Command<GetRunHistory>(_ => Sender.Tell(new RunHistoryReply(_history.Events.ToList())));
        Command<SaveSnapshotSuccess>(_ => { });
        Command<SaveSnapshotFailure>(f => _log.Warning("Snapshot failed: {0}", f.Cause.Message));
    }

    public override string PersistenceId => _settings.PersistenceId;

    public static Props Props(PlanSettings plan, StageSupervisorSettings settings, IActorRef workers, IActorRef? evaluator,
        IReadOnlyList<string> members, IActorRef listener) =>
        Akka.Actor.Props.Create(() => new StageSupervisor(plan, settings, workers, evaluator, members, listener));

    private void OnBegin()
    {
        var refusal = _planner.RefusalToContinue(_history);
        if (refusal is not null)
        {
            _listener.Tell(new RunFinished(false, refusal));
            Context.Stop(Self);
            return;
        }
        var events = new List<IStageEvent>();
        if (_history.PlanHash is null) events.Add(_planner.Planned(DateTimeOffset.UtcNow));
        if (!_history.Members.SequenceEqual(_members))
            events.Add(new WorkersChanged(_history.Generation + 1, _members, DateTimeOffset.UtcNow));
        Record(events, StartCurrentStage);
    }

    private void StartCurrentStage()
    {
        var stage = _history.CurrentStage;
        if (stage is null)
        {
            FinishRunWhenEvaluated();
            return;
        }
        var events = _history.IsStarted(stage) ? Array.Empty<IStageEvent>() : new IStageEvent[] { _planner.Started(stage, _history, DateTimeOffset.UtcNow) };
        Record(events, () => SendAssignment(stage));
    }

    private void SendAssignment(string stage)
    {
        var assignment = _planner.Assignment(stage, _history);
        _log.Info("Stage {0}: starting at step {1} (generation {2})", stage, _history.Resume?.Step ?? 0, assignment.Generation);
        _workers.Tell(new RunStage(assignment));
    }

    private void OnCheckpointWritten(CheckpointWritten written)
    {
        if (!IsCurrent(written.Stage, written.Generation)) return;
        var events = new List<IStageEvent>
        {
            new CheckpointCommitted(written.Stage, written.Step, written.SamplesSeen, written.Epoch, written.GlobalBatch, written.Position,
                written.File, written.Sha256, DateTimeOffset.UtcNow),
        };
        if (written.Masks is { } m)
            events.Add(new MaskStateRecorded(written.Stage, written.Step, m.ExpectedSparsity, m.TargetSparsity, m.Lambda1, m.Lambda2, m.Kept, DateTimeOffset.UtcNow));
        Record(events, () =>
        {
            if (written.StopAfter)
                _listener.Tell(new RunFinished(false, $"stopped on request after the checkpoint at step {written.Step} of stage '{written.Stage}'; run the same command again to continue"));
            else if (_planner.IsEvaluationStep(written.Stage, written.Step))
                RequestEvaluation(written.Stage, written.Step, written.File);
        });
    }

    private void OnStageFinished(StageFinished finished)
    {
        if (!IsCurrent(finished.Stage, finished.Generation)) return;
        _restarts = 0;
        Record(new StageCompleted(finished.Stage, finished.File, finished.Sha256, finished.Metrics, DateTimeOffset.UtcNow), () =>
        {
            RequestEvaluation(finished.Stage, _planner.Spec(finished.Stage).Steps, finished.File);
            StartCurrentStage();
        });
    }

    private void OnStageFailed(StageFailed failed)
    {
        if (!IsCurrent(failed.Stage, failed.Generation)) return;
        _log.Warning("Stage {0} failed: {1}", failed.Stage, failed.Reason);
        if (failed.Fatal || _restarts >= _settings.MaxStageRestarts)
        {
            _listener.Tell(new RunFinished(false, $"stage '{failed.Stage}' failed: {failed.Reason}"));
            return;
        }
        _restarts++;
        // A new generation makes late messages of the failed attempt recognisable (and ignored).
        Record(new WorkersChanged(_history.Generation + 1, _members, DateTimeOffset.UtcNow), () =>
            Context.System.Scheduler.ScheduleTellOnce(_settings.StageRestartDelay, Self, RetryStage.Instance, Self));
    }

    private void OnEvaluationFinished(EvaluationFinished finished)
    {
        _pendingEvaluations.Remove((finished.Stage, finished.Step));
        Record(new EvalRecorded(finished.Stage, finished.Step, finished.Metrics, DateTimeOffset.UtcNow), () =>
        {
            if (_history.CurrentStage is null) FinishRunWhenEvaluated();
        });
    }

    private void RequestEvaluation(string stage, long step, string file)
    {
        if (_evaluator is null || _history.Events.OfType<EvalRecorded>().Any(e => e.Stage == stage && e.Step == step)) return;
        if (_pendingEvaluations.Add((stage, step))) _evaluator.Tell(new EvaluateCheckpoint(stage, step, file));
    }

    /// <summary>The run completes once every stage is done and every requested evaluation is recorded.</summary>
    private void FinishRunWhenEvaluated()
    {
        if (_history.IsCompleted)
        {
            _listener.Tell(new RunFinished(true, "run completed"));
            return;
        }
        // After a crash the final evaluations may never have been recorded: ask for them again.
        foreach (var stage in _history.PlannedStages)
        {
            var completion = _history.Completion(stage);
            if (completion is not null) RequestEvaluation(stage, _planner.Spec(stage).Steps, completion.File);
        }
        if (_pendingEvaluations.Count > 0) return;
        Record(new RunCompleted(DateTimeOffset.UtcNow), () => _listener.Tell(new RunFinished(true, "run completed")));
    }

    private bool IsCurrent(string stage, int generation) => stage == _history.CurrentStage && generation == _history.Generation;

    private void Record(IStageEvent e, Action? then = null) => Record(new[] { e }, then);

    /// <summary>
    /// Persists the events (commands are stashed meanwhile), applies each once stored, snapshots every N events,
    /// and only then runs <paramref name="then"/>, so decisions always see the stored state.
    /// </summary>
    private void Record(IReadOnlyList<IStageEvent> events, Action? then)
    {
        if (events.Count == 0)
        {
            then?.Invoke();
            return;
        }
        var last = events[^1];
        foreach (var e in events)
        {
            Persist(e, persisted =>
            {
                _history.Apply(persisted);
                if (LastSequenceNr % _settings.SnapshotEveryEvents == 0) SaveSnapshot(new RunSnapshot(_history.Events.ToList()));
                if (ReferenceEquals(persisted, last)) then?.Invoke();
            });
        }
    }

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        _log.Error(cause, "Journal write failed for {0}; the supervisor stops and is restarted with back-off", @event.GetType().Name);
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    private sealed record Begin
    {
        public static readonly Begin Instance = new();
    }

    private sealed record RetryStage
    {
        public static readonly RetryStage Instance = new();
    }
}
