using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using TinyClip.Data.Pipeline;
using TinyClip.Model;
using static TorchSharp.torch;

namespace TinyClip.Actors.Training;

/// <summary>
/// Short SHA-256 digests (16 hex digits) the sample log (<c>tinyclip.training.sample-log</c>) records with each step:
/// of the student's state entering the step, and of the bytes the step trains on. When two runs that should be equal
/// part, the first step whose digests differ says whether the weights, the inputs, or only the computation of an
/// identical step differed.
/// </summary>
public static class StepFingerprint
{
    /// <summary>Every entry of <paramref name="model"/>'s state dict, in name order: names and fp32/int64 bytes.</summary>
    public static string Weights(ClipModel model)
    {
        using var scope = NewDisposeScope();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (name, tensor) in model.StateDictForSave().OrderBy(entry => entry.Key, StringComparer.Ordinal))
        {
            hash.AppendData(Encoding.UTF8.GetBytes(name));
            hash.AppendData(tensor.bytes);
        }
        return Digest(hash);
    }

    /// <summary>The slice's image bytes, row after row, then its token ids.</summary>
    public static string Inputs(TrainingBatch slice)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var block in slice.Images.Blocks) hash.AppendData(block.Span);
        hash.AppendData(MemoryMarshal.AsBytes(slice.Tokens.AsSpan()));
        return Digest(hash);
    }

    private static string Digest(IncrementalHash hash) => Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
}
