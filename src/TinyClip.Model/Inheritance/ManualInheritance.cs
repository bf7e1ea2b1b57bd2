using System.Text.RegularExpressions;
using static TorchSharp.torch;

namespace TinyClip.Model;

/// <summary>
/// Manual weight inheritance (docs/method.md): the student takes the teacher's layout with fewer layers
/// and/or narrower widths. Layers are chosen "interval front" (student block i &lt;- source block i * (D_src div D_tgt));
/// widths, heads, MLP neurons and the embed dim keep their leading slice (see <see cref="LeadingSlice"/>).
/// No ranking: which neurons survive is fixed by position, so the result is reproducible from the shapes alone.
/// A ModifiedResNet image tower follows the same two rules as TinyCLIP's inheritance code applies them to it: each
/// stage picks its blocks interval-front on its own, and every tensor (convolutions, BatchNorm scales, shifts and
/// running statistics, the attention pool's positions and projections) keeps its leading slice; the batch counters
/// are copied as they are.
/// </summary>
public static partial class ManualInheritance
{
    /// <summary>A new model of <paramref name="target"/>'s architecture holding <paramref name="source"/>'s inherited weights.</summary>
    public static ClipModel Inherit(ClipModel source, ClipConfig target)
    {
        var state = source.StateDictForSave();
        try
        {
            var inherited = InheritState(state, source.Config, target);
            try
            {
                return ClipModel.FromStateDict(inherited, ArchitectureHints.From(target));
            }
            finally
            {
                foreach (var t in inherited.Values) t.Dispose();
            }
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
    }

    /// <summary>The target's state dict (new tensors) sliced from an OpenCLIP-named <paramref name="source"/> state dict.</summary>
    public static Dictionary<string, Tensor> InheritState(IReadOnlyDictionary<string, Tensor> source, ClipConfig sourceConfig, ClipConfig target)
    {
        EnsureSubShape(sourceConfig, target);
        var blockSources = BlockSources(sourceConfig, target);
        var result = new Dictionary<string, Tensor>();
        foreach (var entry in ClipLayout.Entries(target))
        {
            bool vision = entry.Name.StartsWith("visual.", StringComparison.Ordinal);
            string sourceName = SourceName(entry.Name, blockSources);
            if (!source.TryGetValue(sourceName, out var tensor))
                throw new ArgumentException($"source state dict has no '{sourceName}' (needed for the target's '{entry.Name}')");
            int headWidth = vision ? target.Vision.HeadWidth : target.Text.HeadWidth;
            result[entry.Name] = LeadingSlice.Take(tensor, sourceName, entry.Shape, headWidth);
        }
        return result;
    }

    /// <summary>For each run of numbered blocks (a transformer's, a ResNet stage's), the source block of each target block.</summary>
    static Dictionary<string, IReadOnlyList<int>> BlockSources(ClipConfig source, ClipConfig target)
    {
        var result = new Dictionary<string, IReadOnlyList<int>>
        {
            ["transformer.resblocks"] = SelectLayers(source.Text.Layers, target.Text.Layers),
        };
        if (target.Vision.ResNet is { } targetDepths)
        {
            var sourceDepths = source.Vision.ResNet!.AsList();
            var depths = targetDepths.AsList();
            for (int stage = 0; stage < depths.Count; stage++)
                result[$"visual.layer{stage + 1}"] = SelectLayers(sourceDepths[stage], depths[stage]);
        }
        else
        {
            result["visual.transformer.resblocks"] = SelectLayers(source.Vision.Layers, target.Vision.Layers);
        }
        return result;
    }

    /// <summary>Source block of each target block: i * (D_src div D_tgt). 12->9 keeps 0..8, 12->6 keeps 0,2,..,10, 6->3 keeps 0,2,4.</summary>
    public static IReadOnlyList<int> SelectLayers(int sourceLayers, int targetLayers)
    {
        if (targetLayers > sourceLayers)
            throw new ArgumentException($"cannot inherit {targetLayers} layers from {sourceLayers}");
        if (targetLayers == 0) return [];
        int step = sourceLayers / targetLayers;
        return Enumerable.Range(0, targetLayers).Select(i => i * step).ToArray();
    }

    /// <summary>Throws, naming tower, dimension, source and target, unless <paramref name="target"/> is a sub-shape of <paramref name="source"/>.</summary>
    public static void EnsureSubShape(ClipConfig source, ClipConfig target)
    {
        var problems = new List<string>();
        void AtMost(string what, long targetValue, long sourceValue)
        {
            if (targetValue > sourceValue) problems.Add($"{what}: target {targetValue} > source {sourceValue}");
        }
        void Same(string what, object targetValue, object sourceValue)
        {
            if (!targetValue.Equals(sourceValue)) problems.Add($"{what}: target {targetValue} != source {sourceValue}");
        }

        AtMost("embed dim", target.EmbedDim, source.EmbedDim);
        Same("activation (quick_gelu)", target.QuickGelu, source.QuickGelu);
        Same("image tower image size", target.Vision.ImageSize, source.Vision.ImageSize);
        Same("image tower kind", Kind(target.Vision), Kind(source.Vision));
        if (target.Vision.ResNet is { } targetDepths && source.Vision.ResNet is { } sourceDepths)
            ResNet(source.Vision, target.Vision, sourceDepths, targetDepths, AtMost, Same);
        else if (!target.Vision.IsResNet && !source.Vision.IsResNet)
        {
            Same("image tower patch size", target.Vision.PatchSize, source.Vision.PatchSize);
            Tower("image tower", source.Vision.Tower, target.Vision.Tower, problems, AtMost, Same);
        }
        Same("text tower context length", target.Text.ContextLength, source.Text.ContextLength);
        AtMost("text tower vocabulary size", target.Text.VocabSize, source.Text.VocabSize);
        Tower("text tower", source.Text.Tower, target.Text.Tower, problems, AtMost, Same);
        if (problems.Count > 0)
            throw new ArgumentException("target is not a sub-shape of the source: " + string.Join("; ", problems));
    }

    static string Kind(VisionConfig vision) => vision.IsResNet ? "ModifiedResNet" : "ViT";

    static void ResNet(VisionConfig source, VisionConfig target, ResNetDepths sourceDepths, ResNetDepths targetDepths,
        Action<string, long, long> atMost, Action<string, object, object> same)
    {
        same("image tower attention head width", target.HeadWidth, source.HeadWidth);
        atMost("image tower width", target.Width, source.Width);
        var sourceList = sourceDepths.AsList();
        var targetList = targetDepths.AsList();
        for (int stage = 0; stage < targetList.Count; stage++)
            atMost($"image tower stage {stage + 1} blocks", targetList[stage], sourceList[stage]);
    }

    static void Tower(string tower, TowerShape source, TowerShape target, List<string> problems,
        Action<string, long, long> atMost, Action<string, object, object> same)
    {
        same($"{tower} head width", target.HeadWidth, source.HeadWidth);
        atMost($"{tower} width", target.Width, source.Width);
        atMost($"{tower} layers", target.Layers, source.Layers);
        if (target.Layers > source.Layers) return;
        var layers = SelectLayers(source.Layers, target.Layers);
        for (int i = 0; i < layers.Count; i++)
        {
            var s = source.Blocks[layers[i]];
            var t = target.Blocks[i];
            atMost($"{tower} block {i} (from source block {layers[i]}) heads", t.Heads, s.Heads);
            atMost($"{tower} block {i} (from source block {layers[i]}) MLP width", t.MlpWidth, s.MlpWidth);
        }
    }

    static string SourceName(string name, IReadOnlyDictionary<string, IReadOnlyList<int>> blockSources)
    {
        var match = BlockKey().Match(name);
        if (!match.Success) return name;
        string blocks = match.Groups[1].Value;
        return $"{blocks}.{blockSources[blocks][int.Parse(match.Groups[2].Value)]}.{match.Groups[3].Value}";
    }

    [GeneratedRegex(@"^((?:visual\.)?transformer\.resblocks|visual\.layer[1-4])\.(\d+)\.(.+)$")]
    private static partial Regex BlockKey();
}
