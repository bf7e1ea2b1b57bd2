using TinyClip.Model;

namespace TinyClip.Actors.Training;

/// <summary>What one training step did. <see cref="Skipped"/>: the loss was not finite and no update was made.
/// <see cref="Masks"/>: mask progress of an auto stage before pruning; <see cref="Pruned"/>: what this step's pruning kept.</summary>
public sealed record StepReport(long Step, double Loss, double Distill, double Clip, double LearningRate, double GradientNorm, bool Skipped,
    bool StopRequested, MaskProgress? Masks = null, IReadOnlyList<TowerStructure>? Pruned = null);
