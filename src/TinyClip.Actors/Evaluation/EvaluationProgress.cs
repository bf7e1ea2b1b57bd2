namespace TinyClip.Actors.Evaluation;

/// <summary>How far an evaluation's encoding is: samples encoded of those expected, the rate so far and the time left at that rate.</summary>
public sealed record EvaluationProgress(long Samples, long ExpectedSamples, double SamplesPerSecond, TimeSpan? Eta)
{
    /// <summary>The training progress line's style: "12000/50000 samples | 350 samples/s | ETA 00:01:48".</summary>
    public override string ToString() =>
        $"{Samples}/{ExpectedSamples} samples | {SamplesPerSecond:F0} samples/s | ETA {(Eta is { } eta ? eta.ToString(@"hh\:mm\:ss") : "--")}";
}
