using static TorchSharp.torch;

namespace TinyClip.Model;

/// <summary>Tensors of a checkpoint file (OpenCLIP names, floating point up-cast to fp32) and its string metadata.</summary>
public sealed record LoadedCheckpoint(IReadOnlyDictionary<string, Tensor> Tensors, IReadOnlyDictionary<string, string> Metadata) : IDisposable
{
    public void Dispose()
    {
        foreach (var t in Tensors.Values) t.Dispose();
    }
}
