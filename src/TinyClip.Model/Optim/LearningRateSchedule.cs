namespace TinyClip.Model.Optim;

/// <summary>
/// Linear warm-up then cosine decay to zero over the stage, as OpenCLIP's cosine_lr: during warm-up
/// lr = base * (step + 1) / warmup; afterwards lr = 0.5 * (1 + cos(pi * e / es)) * base with e = step - warmup,
/// es = total - warmup. A stage that prunes mid-way keeps the same schedule (no second warm-up).
/// </summary>
public sealed record LearningRateSchedule(double BaseRate, long WarmupSteps, long TotalSteps)
{
    public double At(long step)
    {
        if (step < WarmupSteps) return BaseRate * (step + 1) / WarmupSteps;
        long decaySteps = Math.Max(1, TotalSteps - WarmupSteps);
        double progress = Math.Min(1.0, (double)(step - WarmupSteps) / decaySteps);
        return 0.5 * (1 + Math.Cos(Math.PI * progress)) * BaseRate;
    }
}
