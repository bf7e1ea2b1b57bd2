using System.Threading.Channels;
using Akka.Actor;
using TinyClip.Actors.Collectives;
using TinyClip.Actors.Training;
using TinyClip.Data.Pipeline;

namespace TinyClip.Actors.Runtime;

// Messages between a worker group and its trainers inside one process (never serialised: they carry live objects).

/// <summary>A set-once flag shared by a group's trainers: stop after the current step and checkpoint (Ctrl-C).</summary>
public sealed class StopSignal
{
    private volatile bool _requested;
    public bool IsRequested => _requested;
    public void Request() => _requested = true;
}

/// <summary>Group -> trainer: run this stage from its slices channel. <paramref name="Attempt"/> numbers the group's starts,
/// so that reports of an aborted attempt are recognised as stale. <paramref name="Resume"/>: the assignment's checkpoint,
/// verified and read once for the node; the trainer loads it and releases its share.</summary>
public sealed record StartTraining(
    long Attempt,
    TrainerSetup Setup,
    ResumeCheckpoint? Resume,
    ICollective Collective,
    ChannelReader<TrainingBatch> Slices,
    StopSignal Stop,
    CheckpointCadence Cadence,
    IActorRef Supervisor,
    CancellationToken Cancellation);

/// <summary>When rank 0 writes a checkpoint: every N steps, at evaluation steps, at an auto stage's prune step, and when stopping.</summary>
public sealed record CheckpointCadence(long EverySteps, long EvalEverySteps, long? PruneStep = null)
{
    public bool IsCheckpointStep(long step) =>
        step % EverySteps == 0 || (EvalEverySteps > 0 && step % EvalEverySteps == 0) || step == PruneStep;
}

/// <summary>A node's first trainer -> group -> monitor: progress of the stage, for metrics and the display; the group adds its
/// data plane's cumulative <paramref name="Data"/> work.</summary>
public sealed record TrainerStepped(string Stage, long TotalSteps, int GlobalBatch, StepReport Report, double SamplesPerSecond, DataWork? Data = null);

/// <summary>Group -> monitor: the stage resumes at <paramref name="Step"/>; <paramref name="Rejected"/> lists the newer checkpoints that failed verification.</summary>
public sealed record StageResumed(string Stage, long Step, IReadOnlyList<string> Rejected);

/// <summary>Trainer -> group: the stage failed on this trainer.</summary>
public sealed record TrainerFailed(long Attempt, int Rank, string Reason, bool Fatal);

/// <summary>Trainer -> group: it stopped on request after committing a checkpoint at <paramref name="Step"/>.</summary>
public sealed record TrainerStopped(string Stage, int Rank, long Step);
