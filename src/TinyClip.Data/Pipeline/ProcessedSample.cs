using TinyClip.Data.Imaging;

namespace TinyClip.Data.Pipeline;

/// <summary>A candidate after decoding: CHW image bytes and tokens, or the reason it cannot be used.</summary>
/// <param name="Buffers">Where <paramref name="Pixels"/> came from and goes back to once copied into a batch; null: not pooled.</param>
public sealed record ProcessedSample(SampleCandidate Candidate, byte[]? Pixels, int[]? Tokens, string? FailureReason, PixelBuffers? Buffers = null)
{
    public bool IsUsable => FailureReason is null;

    /// <summary>
    /// Copies the pixels into a batch row and returns their array to its pool for a later sample: a sample's pixels are
    /// copied into one batch exactly once, and <see cref="Pixels"/> must not be read after this.
    /// </summary>
    public void MovePixelsTo(Span<byte> row)
    {
        Pixels!.CopyTo(row);
        Buffers?.Return(Pixels!);
    }
}
