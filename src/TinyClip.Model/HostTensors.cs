using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace TinyClip.Model;

/// <summary>
/// Float values from managed arrays as tensors in libtorch's own memory. TorchSharp's <c>tensor(float[])</c> pins a copy
/// of the array and computes on it where it lies, at an address the GC chose: its alignment differs between two runs
/// whose managed allocations differ (a resumed run, another data source). BLAS kernels may take alignment-dependent
/// paths (on this project's CPU VM, MKL's AVX and SSE4.2 <c>sgemv</c> gave other bits for 12 of 15 offsets of the same
/// values), so a matrix product on such a tensor can round differently from run to run. libtorch aligns what it
/// allocates to 64 bytes, so a copy there computes the same bits wherever the array was.
/// </summary>
public static class HostTensors
{
    /// <summary>A new CPU float32 tensor of <paramref name="shape"/> holding <paramref name="values"/> (copied).</summary>
    public static Tensor Floats(ReadOnlySpan<float> values, params long[] shape)
    {
        var result = empty(shape, ScalarType.Float32);
        if (result.numel() != values.Length)
        {
            result.Dispose();
            throw new ArgumentException($"{values.Length} values for a tensor of shape [{string.Join(", ", shape)}]", nameof(values));
        }
        // The setter only reads its span, copying it into the tensor's storage.
        result.bytes = MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(values), values.Length));
        return result;
    }
}
