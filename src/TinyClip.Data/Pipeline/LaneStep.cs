using System.Security.Cryptography;
using System.Runtime.InteropServices;
using TinyClip.Data.Ordering;

namespace TinyClip.Data.Pipeline;

/// <summary>
/// What lane <paramref name="Lane"/> contributed to one global batch: it started at <paramref name="Start"/>, continues at
/// <paramref name="Next"/>, and <paramref name="Digest"/> fingerprints the sample ids of all its slots. Nodes that
/// share a lane (at a node boundary) must report the same step: that is how trainers prove they train on one batch.
/// </summary>
public sealed record LaneStep(int Lane, LanePosition Start, LanePosition Next, ulong Digest)
{
    /// <summary>The first 8 bytes of SHA-256 over the ids (little-endian int64s).</summary>
    public static ulong DigestOf(ReadOnlySpan<long> sampleIds) =>
        BitConverter.ToUInt64(SHA256.HashData(MemoryMarshal.AsBytes(sampleIds)), 0);
}
