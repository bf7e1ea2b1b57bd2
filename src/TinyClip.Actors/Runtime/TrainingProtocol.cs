using TinyClip.Actors.Collectives;
using TinyClip.Actors.Configuration;
using TinyClip.Actors.Persistence;
using TinyClip.Data.Ordering;

namespace TinyClip.Actors.Runtime;

/// <summary>A committed checkpoint a stage may resume from.</summary>
public sealed record CheckpointRef(string File, string Sha256, long Step, Cursor Cursor)
{
    public static CheckpointRef From(CheckpointCommitted c) => new(c.File, c.Sha256, c.Step, c.Cursor);
}

/// <summary>
/// Everything a worker group needs to run (or resume) one stage: the stage, the membership generation, the committed
/// checkpoints to resume from (newest first; a corrupt one is skipped for the next), the student's starting weights
/// when there is no checkpoint, and the fixed teacher.
/// </summary>
public sealed record StageAssignment(
    StageSpec Stage,
    int StageIndex,
    int Generation,
    long Seed,
    IReadOnlyList<CheckpointRef> ResumeFrom,
    string StudentInit,
    string? TeacherCheckpoint,
    string TeacherModel) : ITinyClipMessage
{
    /// <summary>
    /// Numbers the collectives of this assignment across nodes: unique per (generation, stage) and increasing, so that
    /// the end (or abort) of one stage's collectives can never touch the next stage's in the same generation.
    /// </summary>
    public int CollectiveSession => checked(Generation * PlanSettings.MaxStages + StageIndex);
}

/// <summary>Supervisor -> a node's worker group: run this stage now with these ranks (replaces whatever the group was doing).</summary>
public sealed record RunStage(StageAssignment Assignment, CollectiveTopology Topology) : ITinyClipMessage;

/// <summary>
/// Node agent -> supervisor, repeated every registration interval (a singleton that moved to another node learns
/// about the nodes again): this process can run <paramref name="Devices"/> trainers (none: it only coordinates), on
/// the training data whose manifest has the content hash <paramref name="ManifestHash"/>.
/// </summary>
public sealed record RegisterNode(string Address, IReadOnlyList<string> Devices, string ManifestHash) : ITinyClipMessage;

/// <summary>Supervisor -> a node it will not take into the run (its training data differs); the node ends, failed, with <paramref name="Reason"/>.</summary>
public sealed record NodeRefused(string Reason) : ITinyClipMessage;

/// <summary>
/// Worker group -> supervisor: checkpoint files are durable; the supervisor persists <see cref="CheckpointCommitted"/>.
/// <paramref name="StopAfter"/>: the group stopped on request after this checkpoint; the run ends once it is committed.
/// </summary>
public sealed record CheckpointWritten(string Stage, int Generation, long Step, long SamplesSeen, Cursor Cursor, string File, string Sha256, bool StopAfter = false, MaskSnapshot? Masks = null) : ITinyClipMessage;

/// <summary>Supervisor -> the trainer that wrote it: the checkpoint at <paramref name="Step"/> is committed (its event is stored).</summary>
public sealed record CheckpointAcknowledged(string Stage, int Generation, long Step) : ITinyClipMessage;

/// <summary>Mask state sent with a checkpoint of an auto stage before pruning.</summary>
public sealed record MaskSnapshot(double ExpectedSparsity, double TargetSparsity, double Lambda1, double Lambda2, IReadOnlyList<TinyClip.Model.TowerStructure> Kept);

/// <summary>Worker group -> supervisor: the auto stage pruned at <paramref name="Step"/>, keeping <paramref name="Towers"/>.</summary>
public sealed record MasksPruned(string Stage, int Generation, long Step, IReadOnlyList<TinyClip.Model.TowerStructure> Towers) : ITinyClipMessage;

/// <summary>Worker group -> supervisor: the stage's last step is done and its final student is written.</summary>
public sealed record StageFinished(string Stage, int Generation, string File, string Sha256, IReadOnlyDictionary<string, double> Metrics) : ITinyClipMessage;

/// <summary>Worker group -> supervisor: the stage stopped with an error (Fatal: retrying cannot help, e.g. bad configuration).</summary>
public sealed record StageFailed(string Stage, int Generation, string Reason, bool Fatal) : ITinyClipMessage;

/// <summary>Supervisor -> evaluator: evaluate the student in <paramref name="File"/>. <paramref name="Final"/>: the stage's
/// last step, never skipped for a newer checkpoint (see <see cref="Evaluation.EvaluationQueue"/>).</summary>
public sealed record EvaluateCheckpoint(string Stage, long Step, string File, bool Final = false) : ITinyClipMessage;

/// <summary>Evaluator -> supervisor.</summary>
public sealed record EvaluationFinished(string Stage, long Step, IReadOnlyDictionary<string, double> Metrics) : ITinyClipMessage;

/// <summary>Supervisor -> whoever started the run: the run ended (all stages done, or stopped for good).</summary>
public sealed record RunFinished(bool Succeeded, string Message) : ITinyClipMessage;

/// <summary>Ask the supervisor for its event history.</summary>
public sealed record GetRunHistory : ITinyClipMessage
{
    public static readonly GetRunHistory Instance = new();
}

public sealed record RunHistoryReply(IReadOnlyList<IStageEvent> Events) : ITinyClipMessage;

/// <summary>Ask a running group to stop after writing a checkpoint at the current step (Ctrl-C).</summary>
public sealed record StopGracefully : ITinyClipMessage
{
    public static readonly StopGracefully Instance = new();
}
