using System.Collections;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace TinyClip.Model;

/// <summary>
/// PyTorch <c>torch.save</c> checkpoints via TorchSharp.PyBridge. Accepts a bare state dict or OpenCLIP's or TinyCLIP's
/// training checkpoint <c>{"state_dict": {...}, "epoch": ..., "optimizer": ..., "args": Namespace(...)}</c>, strips the
/// <c>module.</c> prefix that DistributedDataParallel adds and renames TinyCLIP's wrapped names
/// (<see cref="TinyClipNames"/>). Entries of the outer dict other than the state dict are ignored.
/// </summary>
public static class PickleCheckpoint
{
    const string DataParallelPrefix = "module.";

    public static LoadedCheckpoint Read(string path)
    {
        using var scope = NewDisposeScope();
        Hashtable root;
        try { root = PyTorchUnpickler.UnpickleStateDict(path); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new CheckpointFormatException(path, null, $"cannot read the PyTorch pickle ({e.GetType().Name}: {e.Message})");
        }
        var tensors = FromPickledDict(path, root);
        foreach (var t in tensors.Values) t.MoveToOuterDisposeScope();
        return new LoadedCheckpoint(tensors, new Dictionary<string, string>());
    }

    /// <summary>Unwraps and renames an unpickled dict into OpenCLIP names; tensors become contiguous, floats fp32.</summary>
    public static Dictionary<string, Tensor> FromPickledDict(string path, Hashtable root)
    {
        var dict = root["state_dict"] as Hashtable ?? root;
        var result = new Dictionary<string, Tensor>();
        foreach (DictionaryEntry entry in dict)
        {
            if (entry.Key is not string key || entry.Value is not Tensor tensor) continue;
            string name = key.StartsWith(DataParallelPrefix, StringComparison.Ordinal) ? key[DataParallelPrefix.Length..] : key;
            if (!result.TryAdd(name, Normalise(tensor)))
                throw new CheckpointFormatException(path, name, "appears both with and without the 'module.' prefix");
        }
        if (result.Count == 0) throw new CheckpointFormatException(path, null, "the pickle holds no tensors");
        // TinyCLIP's own checkpoints wrap the towers and may hold zero-width MLPs; tensors dropped or replaced here are
        // freed by the caller's dispose scope.
        var openClip = new Dictionary<string, Tensor>(TinyClipNames.ToOpenClip(path, result));
        EmptyMlpBias.FoldZeroWidthMlps(openClip);
        EmptyBlocks.CloseGaps(openClip);
        return openClip;
    }

    static Tensor Normalise(Tensor t)
    {
        var floating = t.dtype is ScalarType.Float16 or ScalarType.BFloat16 ? t.to(float32) : t;
        // Pickled tensors may be strided views of a shared storage: own the data.
        return floating.contiguous().clone();
    }
}
