namespace TinyClip.Actors.Monitoring;

/// <summary>What a progress display shows after each step.</summary>
public sealed record ProgressUpdate(string Stage, long Step, long TotalSteps, double SamplesPerSecond, double Loss, TimeSpan? Eta);
