using Akka.Actor;
using Akka.Event;
using Akka.Pattern;
using Akka.Persistence;
using TinyClip.Actors.Configuration;
using TinyClip.Actors.Persistence;

namespace TinyClip.Actors.Runtime;

/// <summary>Settings of the stage-supervisor (tinyclip.persistence, tinyclip.training and tinyclip.cluster).</summary>
/// <param name="MinTrainerNodes">Trainer nodes that must have registered before a generation is formed.</param>
/// <param name="NewGenerationOnStart">Cluster mode: every incarnation of the supervisor forms a new generation, so that
/// trainers still running an assignment of a previous incarnation (on another node) are told apart.</param>
/// <param name="ExpectedTrainers">Addresses of the trainer nodes known to be up (cluster membership); after a hand-over
/// the supervisor waits until all of them have registered again before it forms a generation.</param>
/// <param name="ManifestHash">The content hash of the run's training manifest, recorded in <see cref="RunPlanned"/>; nodes must register with it.</param>
public sealed record StageSupervisorSettings(
    string PersistenceId, long Seed, string ManifestHash, int SnapshotEveryEvents, int MaxStageRestarts, TimeSpan StageRestartDelay,
    int MinTrainerNodes = 1, bool NewGenerationOnStart = false, Func<IReadOnlyCollection<string>>? ExpectedTrainers = null);

/// <summary>
/// Owns the run: plans it, drives the stages in order, commits checkpoints and evaluations as events, and on
/// (re)start replays its journal and tells the trainer nodes where to resume. It forms membership generations from
/// the registered nodes (<see cref="TrainerRoster"/>): at start, when a node is lost (from the last committed
/// checkpoint, with the remaining trainers and the same global batch) and when a node joins (at the next checkpoint).
/// A thin translator: the state is a <see cref="RunHistory"/>, the decisions are in <see cref="StagePlanner"/>.
/// </summary>
public sealed class StageSupervisor : ReceivePersistentActor, IWithTimers
{
    private readonly StagePlanner _planner;
    private readonly StageSupervisorSettings _settings;
    private readonly IActorRef? _evaluator;
    private readonly IActorRef _listener;
    private readonly TrainerRoster _roster;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private RunHistory _history = new();
    private readonly HashSet<(string Stage, long Step)> _pendingEvaluations = new();
    private int _restarts;
    private int? _retryPendingFor;
    private bool _begun;
    private bool _generationFormed;
    private RunFinished? _finished;

    /// <param name="localTrainers">Single-process mode: this process's worker group, registered from the start.
    /// Null in cluster mode, where nodes register with <see cref="RegisterNode"/>.</param>
    public StageSupervisor(PlanSettings plan, StageSupervisorSettings settings, IActorRef? evaluator, IActorRef listener,
        TrainerNode? localTrainers)
    {
        _planner = new StagePlanner(plan, settings.Seed, settings.ManifestHash);
        _settings = settings;
        _evaluator = evaluator;
        _listener = listener;
        _roster = new TrainerRoster(settings.MinTrainerNodes);
        if (localTrainers is not null) _roster.Register(localTrainers);

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
        Command<EvaluationFinished>(finished => Settle(finished.Stage, finished.Step,
            new EvalRecorded(finished.Stage, finished.Step, finished.Metrics, DateTimeOffset.UtcNow)));
        Command<EvaluationSkipped>(skipped => Settle(skipped.Stage, skipped.Step,
            new EvalSkipped(skipped.Stage, skipped.Step, skipped.NewerStage, skipped.NewerStep, DateTimeOffset.UtcNow)));
        Command<RetryStage>(OnRetryStage);
        Command<RegisterNode>(OnRegisterNode);
        Command<Terminated>(OnNodeLost);
        Command<GetRunHistory>(_ => Sender.Tell(new RunHistoryReply(_history.Events.ToList())));
        Command<SaveSnapshotSuccess>(_ => { });
        Command<SaveSnapshotFailure>(f => _log.Warning("Snapshot failed: {0}", f.Cause.Message));
    }

    /// <summary>The supervisor behind a back-off supervisor: a journal failure stops it, and it is started again
    /// (replaying its journal) after min-backoff, doubling up to max-backoff, without limit.</summary>
    public static Props RestartedWithBackoff(Props supervisor, Configuration.PersistenceSettings persistence) =>
        BackoffSupervisor.Props(Backoff.OnStop(supervisor, "stage-supervisor", persistence.MinBackoff, persistence.MaxBackoff, 0.2, maxNrOfRetries: -1));

    public override string PersistenceId => _settings.PersistenceId;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(PlanSettings plan, StageSupervisorSettings settings, IActorRef? evaluator, IActorRef listener,
        TrainerNode? localTrainers = null) =>
        Akka.Actor.Props.Create(() => new StageSupervisor(plan, settings, evaluator, listener, localTrainers));

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
        Record(events, () =>
        {
            _begun = true;
            FormGenerationWhenReady();
        });
    }

    /// <summary>
    /// Starts (or continues) the run with every registered trainer node once enough have registered. A generation is
    /// recorded when the members differ from the journal's (or always, in cluster mode, for a new incarnation).
    /// </summary>
    private void FormGenerationWhenReady()
    {
        if (!_begun) return;
        if (_history.CurrentStage is null)
        {
            FinishRunWhenEvaluated();
            return;
        }
        var expected = _settings.ExpectedTrainers?.Invoke() ?? Array.Empty<string>();
        if (!_roster.CanFormGeneration(firstOfRun: _history.Generation == 0) || expected.Any(address => !_roster.IsRegistered(address)))
        {
            _log.Info("Waiting for trainer nodes: {0} registered, at least {1} needed{2}", _roster.Trainers.Count, _settings.MinTrainerNodes,
                expected.Count > 0 ? $", expecting {string.Join(", ", expected)}" : "");
            return;
        }
        _roster.Activate();
        var members = _roster.MemberNames();
        bool newGeneration = !_history.Members.SequenceEqual(members) || (_settings.NewGenerationOnStart && !_generationFormed);
        _generationFormed = true;
        Record(newGeneration ? new IStageEvent[] { new WorkersChanged(_history.Generation + 1, members, DateTimeOffset.UtcNow) } : Array.Empty<IStageEvent>(),
            StartCurrentStage);
    }

    private void OnRegisterNode(RegisterNode register)
    {
        var node = new TrainerNode(register.Address, Sender, register.Devices);
        if (_finished is not null)
        {
            Sender.Tell(_finished);
            return;
        }
        if (_planner.RefusalToRegister(register) is { } refusal)
        {
            _log.Warning("{0}", refusal);
            Sender.Tell(new NodeRefused(refusal));
            return;
        }
        if (!_roster.Register(node)) return;
        Context.Watch(Sender);
        _log.Info("Node {0} registered with {1} trainer(s)", register.Address, register.Devices.Count);
        // Before the first generation the node is simply counted; afterwards it joins at the next checkpoint.
        if (_begun && _roster.Active.Count == 0) FormGenerationWhenReady();
    }

    /// <summary>A registered node's agent stopped (its process died or left): if it trained, the current attempt cannot
    /// finish; a new generation of the remaining trainers resumes from the last committed checkpoint.</summary>
    private void OnNodeLost(Terminated terminated)
    {
        if (!_roster.Remove(terminated.ActorRef) || _finished is not null) return;
        _log.Warning("Trainer node {0} was lost; re-forming the generation without it", terminated.ActorRef.Path.Address);
        _roster.Activate();
        if (!_roster.CanFormGeneration(firstOfRun: false))
        {
            // Nothing can run until enough trainers register again; the survivors' attempt fails on its own.
            Record(new WorkersChanged(_history.Generation + 1, Array.Empty<string>(), DateTimeOffset.UtcNow), FormGenerationWhenReady);
            return;
        }
        Record(new WorkersChanged(_history.Generation + 1, _roster.MemberNames(), DateTimeOffset.UtcNow), StartCurrentStage);
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
        foreach (var node in _roster.Active)
            node.Agent.Tell(new RunStage(assignment, _roster.TopologyFor(assignment.CollectiveSession, node)));
    }

    private void OnCheckpointWritten(CheckpointWritten written)
    {
        if (!IsCurrent(written.Stage, written.Generation)) return;
        var events = new List<IStageEvent>
        {
            new CheckpointCommitted(written.Stage, written.Step, written.SamplesSeen, written.Cursor,
                written.File, written.Sha256, DateTimeOffset.UtcNow),
        };
        if (written.Masks is { } m)
            events.Add(new MaskStateRecorded(written.Stage, written.Step, m.ExpectedSparsity, m.TargetSparsity, m.Lambda1, m.Lambda2, m.Kept, DateTimeOffset.UtcNow));
        var writer = Sender;
        Record(events, () =>
        {
            writer.Tell(new CheckpointAcknowledged(written.Stage, written.Generation, written.Step));
            if (written.StopAfter)
            {
                Finish(new RunFinished(false, $"stopped on request after the checkpoint at step {written.Step} of stage '{written.Stage}'; run the same command again to continue"));
                return;
            }
            if (_planner.IsEvaluationStep(written.Stage, written.Step))
                RequestEvaluation(written.Stage, written.Step, written.File);
            if (_roster.HasJoiners)
            {
                // Nodes that registered during the stage join now, from this checkpoint.
                _roster.Activate();
                Record(new WorkersChanged(_history.Generation + 1, _roster.MemberNames(), DateTimeOffset.UtcNow), StartCurrentStage);
            }
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

    /// <summary>
    /// A failed attempt is retried after the restart delay, in a new generation (late messages of the failed attempt
    /// are then recognisable, and ignored). One retry is pending per generation: every member of a failed attempt
    /// reports the failure, and it counts once.
    /// </summary>
    private void OnStageFailed(StageFailed failed)
    {
        if (!IsCurrent(failed.Stage, failed.Generation) || _retryPendingFor == _history.Generation) return;
        _log.Warning("Stage {0} failed: {1}", failed.Stage, failed.Reason);
        if (failed.Fatal)
        {
            Finish(new RunFinished(false, $"stage '{failed.Stage}' failed: {failed.Reason}"));
            return;
        }
        _retryPendingFor = _history.Generation;
        Timers.StartSingleTimer("retry", new RetryStage(_history.Generation, failed.Stage, failed.Reason), _settings.StageRestartDelay);
    }

    /// <summary>
    /// In cluster mode a failure is often a node that died: the survivors notice before the cluster has decided. While
    /// a member of the generation is unreachable the retry waits (without counting a restart): the cluster downs the
    /// node, and the supervisor re-forms the generation when its agent terminates (which makes this retry stale), or
    /// the node recovers and the retry proceeds.
    /// </summary>
    private void OnRetryStage(RetryStage retry)
    {
        if (retry.Generation != _history.Generation) return;
        var reachable = _settings.ExpectedTrainers?.Invoke();
        var unreachable = reachable is null ? new List<string>() : _roster.Active.Select(n => n.Address).Where(a => !reachable.Contains(a)).ToList();
        if (unreachable.Count > 0)
        {
            _log.Info("Retry of stage {0} waits for the cluster to decide about {1}", retry.Stage, string.Join(", ", unreachable));
            Timers.StartSingleTimer("retry", retry, _settings.StageRestartDelay);
            return;
        }
        _retryPendingFor = null;
        if (_restarts >= _settings.MaxStageRestarts)
        {
            Finish(new RunFinished(false, $"stage '{retry.Stage}' failed: {retry.Reason}"));
            return;
        }
        _restarts++;
        _roster.Activate();
        Record(new WorkersChanged(_history.Generation + 1, _roster.MemberNames(), DateTimeOffset.UtcNow), StartCurrentStage);
    }

    /// <summary>A requested evaluation ended (evaluated or skipped): recorded, and the run may now complete.</summary>
    private void Settle(string stage, long step, IStageEvent outcome)
    {
        _pendingEvaluations.Remove((stage, step));
        Record(outcome, () =>
        {
            if (_history.CurrentStage is null) FinishRunWhenEvaluated();
        });
    }

    /// <summary>Asks for an evaluation once; a stage's last step is marked final, so the evaluator never skips it.</summary>
    private void RequestEvaluation(string stage, long step, string file)
    {
        if (_evaluator is null || _history.Events.OfType<EvalRecorded>().Any(e => e.Stage == stage && e.Step == step)) return;
        if (_pendingEvaluations.Add((stage, step))) _evaluator.Tell(new EvaluateCheckpoint(stage, step, file, Final: step == _planner.Spec(stage).Steps));
    }

    /// <summary>The run completes once every stage is done and every requested evaluation is recorded.</summary>
    private void FinishRunWhenEvaluated()
    {
        if (_history.IsCompleted)
        {
            Finish(new RunFinished(true, "run completed"));
            return;
        }
        // After a crash the final evaluations may never have been recorded: ask for them again.
        foreach (var stage in _history.PlannedStages)
        {
            var completion = _history.Completion(stage);
            if (completion is not null) RequestEvaluation(stage, _planner.Spec(stage).Steps, completion.File);
        }
        if (_pendingEvaluations.Count > 0) return;
        Record(new RunCompleted(DateTimeOffset.UtcNow), () => Finish(new RunFinished(true, "run completed")));
    }

    /// <summary>Tells whoever started the run and every registered node (nodes that register later are told at once).</summary>
    private void Finish(RunFinished finished)
    {
        _finished = finished;
        _listener.Tell(finished);
        foreach (var node in _roster.Registered) node.Agent.Tell(finished);
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
        PersistAll(events, persisted =>
        {
            _history.Apply(persisted);
            if (LastSequenceNr % _settings.SnapshotEveryEvents == 0) SaveSnapshot(new RunSnapshot(_history.Events.ToList()));
            if (ReferenceEquals(persisted, last)) then?.Invoke();
        });
    }

    /// <summary>
    /// The framework stops the supervisor after this; its back-off supervisor starts it again, and it resumes from its
    /// journal. A database error (locked, unreachable) is an expected condition of a long run and gets one line; anything
    /// else is a bug and keeps its stack trace.
    /// </summary>
    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        const string outcome = "the supervisor restarts with back-off and resumes from its journal";
        if (JournalErrors.DatabaseErrorIn(cause) is { } database)
            _log.Warning("Journal write of {0} failed ({1}); {2}", @event.GetType().Name, database.Message, outcome);
        else
            _log.Error(cause, "Journal write of {0} failed; {1}", @event.GetType().Name, outcome);
    }

    /// <summary>As <see cref="OnPersistFailure"/>, for a journal that cannot be read while the supervisor recovers.</summary>
    protected override void OnRecoveryFailure(Exception reason, object? message = null)
    {
        const string outcome = "the supervisor retries with back-off";
        if (JournalErrors.DatabaseErrorIn(reason) is { } database)
            _log.Warning("Journal replay failed ({0}); {1}", database.Message, outcome);
        else
            _log.Error(reason, "Journal replay failed; {0}", outcome);
    }

    private sealed record Begin
    {
        public static readonly Begin Instance = new();
    }

    /// <summary>Restart the current stage, unless the generation changed meanwhile (a node was lost or joined).</summary>
    private sealed record RetryStage(int Generation, string Stage, string Reason);
}
