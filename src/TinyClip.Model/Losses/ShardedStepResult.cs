namespace TinyClip.Model.Losses;

/// <summary>
/// What one trainer's <see cref="ShardedContrastiveStep.Run"/> computed. Every trainer evaluates the whole
/// global loss, so all trainers see the same values (up to float rounding) and agree on skipping a step
/// whose loss is not finite; for such a step no gradient was written.
/// </summary>
public sealed record ShardedStepResult(double Loss, double Distill, double Clip)
{
    public bool IsFinite => double.IsFinite(Loss);
}
