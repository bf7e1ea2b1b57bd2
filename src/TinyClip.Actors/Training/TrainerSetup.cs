using TinyClip.Actors.Configuration;
using TinyClip.Actors.Runtime;
using TinyClip.Data.Ordering;

namespace TinyClip.Actors.Training;

/// <summary>What one trainer needs to build its models for a stage.</summary>
/// <param name="Device">"cpu" or "cuda:N".</param>
/// <param name="VocabularySize">The run's tokenizer vocabulary (token rows of a student built from scratch).</param>
/// <param name="Start">Where the first batch starts: the resume checkpoint's cursor, or the stage's start.</param>
/// <param name="IntraOpThreads">libtorch threads of this trainer's computations (<c>tinyclip.threads-per-trainer</c>,
/// resolved), pinned on its thread (see <see cref="Training.IntraOpThreads"/>).</param>
/// <param name="ReportsProgress">This trainer reports each step to its node's monitor (one per node, so every node logs its metrics).</param>
/// <param name="OverlapGradientExchange">With several trainers, sum the text tower's gradients while the image tower's
/// backward runs (<c>tinyclip.training.overlap-gradient-exchange</c>); off = one exchange after the whole backward.</param>
public sealed record TrainerSetup(
    StageAssignment Assignment,
    int Rank,
    int WorldSize,
    Cursor Start,
    bool ReportsProgress,
    string Device,
    string RunDirectory,
    int VocabularySize,
    int KeepLastCheckpoints,
    int MaxNonFiniteStepsInRow,
    bool AllowPickle,
    int IntraOpThreads,
    bool SampleLog = false,
    TeacherPrecision TeacherPrecision = TeacherPrecision.Fp32,
    bool OverlapGradientExchange = false)
{
    /// <summary>First row of the global batch this trainer holds: rows [k*N/W, (k+1)*N/W), so N need not divide by W.</summary>
    public long FirstRow => (long)Rank * Assignment.Stage.BatchSize / WorldSize;

    /// <summary>Rows of the global batch this trainer holds.</summary>
    public int LocalBatch => (int)((long)(Rank + 1) * Assignment.Stage.BatchSize / WorldSize - FirstRow);

    /// <summary>The per-trainer sample log (test mode), or null when off.</summary>
    public string? SampleLogPath => SampleLog ? Path.Combine(RunDirectory, $"samples-rank{Rank}.jsonl") : null;

    /// <summary>Seed of a stage's fresh student: different per stage, fixed per run.</summary>
    public long InitSeed => Assignment.Seed * 1_000_003L + Assignment.StageIndex;
}
