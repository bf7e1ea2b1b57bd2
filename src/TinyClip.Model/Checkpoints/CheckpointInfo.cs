using System.Text;

namespace TinyClip.Model;

/// <summary>What a checkpoint holds, for <c>tinyclip info</c>: format, inferred architecture, parameter counts.</summary>
public sealed record CheckpointInfo(string Path, CheckpointFormat Format, ClipConfig Config, ParameterCounts Counts, IReadOnlyDictionary<string, string> Metadata)
{
    /// <summary>Safetensors are inspected from the header alone; pickles must be loaded (and allowed).</summary>
    public static CheckpointInfo Inspect(string path, bool allowPickle = false, ArchitectureHints? hints = null)
    {
        var format = CheckpointLoader.DetectFormat(path);
        ClipConfig config;
        IReadOnlyDictionary<string, string> metadata;
        if (format == CheckpointFormat.SafeTensors)
        {
            (var shapes, metadata) = SafeTensors.ReadHeaderOnly(path);
            config = StateDictArchitecture.Infer(shapes, hints ?? ArchitectureHints.FromMetadata(metadata));
        }
        else
        {
            using var checkpoint = CheckpointLoader.Load(path, allowPickle);
            metadata = checkpoint.Metadata;
            // A full model under masks is described as the compact student it loads as.
            var (weights, logAlphas) = MaskedCheckpoint.Split(checkpoint.Tensors);
            config = StateDictArchitecture.Infer(weights.ToDictionary(kv => kv.Key, kv => kv.Value.shape), hints ?? ArchitectureHints.FromMetadata(metadata));
            if (logAlphas.Count > 0) config = MaskedCheckpoint.PrunedConfig(config, logAlphas);
        }
        return new CheckpointInfo(path, format, config, ClipLayout.Count(config), metadata);
    }

    public string Describe()
    {
        var text = new StringBuilder();
        text.AppendLine($"checkpoint   {Path} ({Format})");
        ArchitectureDescription.Append(text, Config, Counts);
        return text.ToString();
    }
}
