namespace TinyClip.Actors.Training;

/// <summary>What one training step did. <see cref="Skipped"/>: the loss was not finite and no update was made.</summary>
public sealed record StepReport(long Step, double Loss, double Distill, double Clip, double LearningRate, double GradientNorm, bool Skipped, bool StopRequested);
