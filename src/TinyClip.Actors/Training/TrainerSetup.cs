using TinyClip.Actors.Runtime;

namespace TinyClip.Actors.Training;

/// <summary>What one trainer needs to build its models for a stage.</summary>
/// <param name="Device">"cpu" or "cuda:N".</param>
/// <param name="VocabularySize">The run's tokenizer vocabulary (token rows of a student built from scratch).</param>
public sealed record TrainerSetup(
    StageAssignment Assignment,
    int Rank,
    int WorldSize,
    string Device,
    string RunDirectory,
    int VocabularySize,
    int KeepLastCheckpoints,
    int MaxNonFiniteStepsInRow,
    bool AllowPickle,
    bool SampleLog = false)
{
    /// <summary>Rows of the global batch this trainer holds.</summary>
    public int LocalBatch => Assignment.Stage.BatchSize / WorldSize;

    /// <summary>The per-trainer sample log (test mode), or null when off.</summary>
    public string? SampleLogPath => SampleLog ? Path.Combine(RunDirectory, $"samples-rank{Rank}.jsonl") : null;

    /// <summary>Seed of a stage's fresh student: different per stage, fixed per run.</summary>
    public long InitSeed => Assignment.Seed * 1_000_003L + Assignment.StageIndex;
}
