using TinyClip.Data.Ordering;

namespace TinyClip.Actors.Persistence;

/// <summary>An event of the stage-supervisor's journal (persistence id = the run id). Weights never go here, only file names and hashes.</summary>
public interface IStageEvent : ITinyClipMessage;

/// <summary>
/// The run's plan and training data, fixed at its first start; a restart with a different plan or other data is refused.
/// <paramref name="ManifestHash"/> is the training manifest's content hash (null in journals written before it was recorded).
/// </summary>
public sealed record RunPlanned(string PlanHash, string? ManifestHash, IReadOnlyList<string> Stages, DateTimeOffset At) : IStageEvent;

/// <summary>A stage began: its kind, the student architecture and where the student's weights came from.</summary>
public sealed record StageStarted(string Stage, string Kind, string Student, string Source, DateTimeOffset At) : IStageEvent;

/// <summary>Membership of the trainer group from this point on (a new generation starts at a checkpoint boundary).</summary>
public sealed record WorkersChanged(int Generation, IReadOnlyList<string> Members, DateTimeOffset At) : IStageEvent;

/// <summary>A checkpoint whose files are durable (written, fsynced, renamed). <paramref name="Cursor"/> is where the next step's batch starts (every lane's position).</summary>
public sealed record CheckpointCommitted(string Stage, long Step, long SamplesSeen, Cursor Cursor, string File, string Sha256, DateTimeOffset At) : IStageEvent;

/// <summary>
/// Mask state of an auto stage at a committed checkpoint: expected and target sparsity, the lambdas, and what the
/// deterministic masks would keep now. The log-alphas themselves are in the checkpoint's optimiser file.
/// </summary>
public sealed record MaskStateRecorded(string Stage, long Step, double ExpectedSparsity, double TargetSparsity, double Lambda1, double Lambda2,
    IReadOnlyList<TinyClip.Model.TowerStructure> Kept, DateTimeOffset At) : IStageEvent;

/// <summary>The masks an auto stage pruned with at its prune step: kept structure and parameter counts per tower.</summary>
public sealed record MasksCommitted(string Stage, long Step, IReadOnlyList<TinyClip.Model.TowerStructure> Towers, DateTimeOffset At) : IStageEvent;

/// <summary>Zero-shot and retrieval figures of a stage's student at a step.</summary>
public sealed record EvalRecorded(string Stage, long Step, IReadOnlyDictionary<string, double> Metrics, DateTimeOffset At) : IStageEvent;

/// <summary>
/// The checkpoint of a stage at a step was not evaluated: when it was its turn, the newer one of
/// <paramref name="NewerStage"/> at <paramref name="NewerStep"/> was waiting too, and the evaluator took that instead.
/// (Added after the first journals were written; older journals simply have none.)
/// </summary>
public sealed record EvalSkipped(string Stage, long Step, string NewerStage, long NewerStep, DateTimeOffset At) : IStageEvent;

/// <summary>A stage finished; its final student is <paramref name="File"/>.</summary>
public sealed record StageCompleted(string Stage, string File, string Sha256, IReadOnlyDictionary<string, double> Metrics, DateTimeOffset At) : IStageEvent;

public sealed record RunCompleted(DateTimeOffset At) : IStageEvent;

/// <summary>Snapshot of the supervisor: its whole event history (a few hundred small records at most).</summary>
public sealed record RunSnapshot(IReadOnlyList<IStageEvent> Events) : ITinyClipMessage;
