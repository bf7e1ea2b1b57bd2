namespace TinyClip.Model;

/// <summary>Target sparsity q(step): linear from <see cref="Start"/> to <see cref="Target"/> over <see cref="WarmupSteps"/>, then flat.</summary>
public sealed record SparsityRamp(double Start, double Target, long WarmupSteps)
{
    public double At(long step) =>
        WarmupSteps <= 0 ? Target : Start + (Target - Start) * Math.Clamp((double)step / WarmupSteps, 0, 1);
}
