namespace TinyClip.Data.Pipeline;

/// <summary>A candidate after decoding: CHW image bytes and tokens, or the reason it cannot be used.</summary>
public sealed record ProcessedSample(SampleCandidate Candidate, byte[]? Pixels, int[]? Tokens, string? FailureReason)
{
    public bool IsUsable => FailureReason is null;
}
