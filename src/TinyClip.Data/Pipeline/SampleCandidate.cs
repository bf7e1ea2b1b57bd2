using TinyClip.Data.Reading;

namespace TinyClip.Data.Pipeline;

/// <summary>A stored row at <paramref name="Position"/> of <paramref name="Epoch"/>'s order, not yet decoded.</summary>
public sealed record SampleCandidate(int Epoch, long Position, RawSample Raw);
