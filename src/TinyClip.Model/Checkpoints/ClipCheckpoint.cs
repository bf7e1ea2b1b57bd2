using static TorchSharp.torch;

namespace TinyClip.Model;

/// <summary>Saves a <see cref="ClipModel"/> as safetensors and loads one back from any supported checkpoint.</summary>
public static class ClipCheckpoint
{
    /// <summary>
    /// OpenCLIP-named fp32 safetensors. The metadata records the head widths and activation, the facts that
    /// shapes cannot carry, so that <see cref="LoadModel"/> rebuilds exactly this architecture.
    /// </summary>
    /// <returns>The SHA-256 of the written file.</returns>
    public static string Save(ClipModel model, string path, IReadOnlyDictionary<string, string>? extraMetadata = null)
    {
        var state = model.StateDictForSave();
        try
        {
            return Save(state, model.Config, path, extraMetadata);
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
    }

    /// <summary>The same file from a copy of the weights (<see cref="ClipModel.StateDictForSave"/>) taken earlier,
    /// so that it can be written on another thread while the model trains on.</summary>
    public static string Save(IReadOnlyDictionary<string, Tensor> state, ClipConfig config, string path, IReadOnlyDictionary<string, string>? extraMetadata = null)
    {
        var metadata = new Dictionary<string, string>(ArchitectureHints.From(config).ToMetadata()) { ["format"] = "pt" };
        foreach (var (key, value) in extraMetadata ?? new Dictionary<string, string>()) metadata[key] = value;
        return SafeTensors.Write(path, state, metadata);
    }

    /// <summary>
    /// Builds the model from the checkpoint's shapes (pruned under its masks if it has any, see <see cref="ModelOf"/>). Hints: <paramref name="hints"/> if given, else those
    /// recorded in the file's metadata, else OpenCLIP's defaults (head width 64, exact GELU).
    /// </summary>
    public static ClipModel LoadModel(string path, bool allowPickle = false, ArchitectureHints? hints = null)
    {
        using var checkpoint = CheckpointLoader.Load(path, allowPickle);
        return ModelOf(checkpoint, hints ?? ArchitectureHints.FromMetadata(checkpoint.Metadata));
    }

    /// <summary>
    /// The model of a loaded checkpoint: its weights as they are, or, when it also holds mask log-alphas (a full model
    /// under masks, e.g. a TinyCLIP automatic-inheritance checkpoint), the compact student they prune it to.
    /// </summary>
    public static ClipModel ModelOf(LoadedCheckpoint checkpoint, ArchitectureHints hints) =>
        MaskedCheckpoint.HasMasks(checkpoint.Tensors.Keys)
            ? MaskedCheckpoint.Load(checkpoint.Tensors, hints)
            : ClipModel.FromStateDict(checkpoint.Tensors, hints);
}
