using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;
using static TorchSharp.torch;

namespace TinyClip.Model;

/// <summary>
/// Infers a <see cref="ClipConfig"/> from OpenCLIP-named tensor shapes: widths from LayerNorms, depth from
/// block indices, heads per layer from in_proj rows / (3 * head width), MLP width from c_fc rows, patch size
/// from conv1, image size and context length from positional embeddings, vocabulary from the token embedding,
/// embed dim from the projections. A block without attn (or mlp) keys has 0 heads (or MLP width 0).
/// A ModifiedResNet image tower (<c>visual.attnpool.*</c>) gives its width from the stem's last BatchNorm, its
/// stage depths from the block indices under <c>visual.layer1..4</c>, its image size from the attention pool's
/// positional embedding (a grid of image size / 32 plus one), and its embed dim from <c>attnpool.c_proj</c>.
/// </summary>
public static class StateDictArchitecture
{
    const string Source = "state dict";

    public static ClipConfig Infer(IReadOnlyDictionary<string, Tensor> state, ArchitectureHints hints)
    {
        var shapes = state.ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        return Infer(shapes, hints);
    }

    public static ClipConfig Infer(IReadOnlyDictionary<string, long[]> shapes, ArchitectureHints hints)
    {
        if (shapes.Keys.Any(k => k.StartsWith("vision_model.", StringComparison.Ordinal)))
            throw new CheckpointFormatException(Source, null,
                "this is a Hugging Face transformers CLIPModel state dict (vision_model.*); use the OpenCLIP-format weights (visual.*, transformer.*)");
        var (vision, embed) = shapes.ContainsKey(ResNetPoolPositions)
            ? ResNetVision(shapes, hints.VisionHeadWidth)
            : TransformerVision(shapes, hints.VisionHeadWidth);

        long textWidth = Dim(shapes, "ln_final.weight", 0);
        var text = new TextConfig((int)Dim(shapes, "positional_embedding", 0), (int)Dim(shapes, "token_embedding.weight", 0),
            Tower(shapes, "transformer.resblocks", (int)textWidth, hints.TextHeadWidth));
        if (Dim(shapes, "text_projection", 1) != embed)
            Fail("text_projection", $"embed dim {Dim(shapes, "text_projection", 1)} differs from the image tower's {embed}");
        var config = new ClipConfig((int)embed, vision, text, hints.QuickGelu);
        config.Validate();
        return config;
    }

    const string ResNetPoolPositions = "visual.attnpool.positional_embedding";

    static (VisionConfig Vision, long Embed) TransformerVision(IReadOnlyDictionary<string, long[]> shapes, int headWidth)
    {
        long visionWidth = Dim(shapes, "visual.ln_pre.weight", 0);
        var conv = Require(shapes, "visual.conv1.weight", 4);
        if (conv[2] != conv[3]) Fail("visual.conv1.weight", $"patches must be square, got [{string.Join(", ", conv)}]");
        long patch = conv[2];
        long grid = Grid(shapes, "visual.positional_embedding");
        var vision = new VisionConfig((int)(grid * patch), (int)patch,
            Tower(shapes, "visual.transformer.resblocks", (int)visionWidth, headWidth));
        return (vision, Dim(shapes, "visual.proj", 1));
    }

    static (VisionConfig Vision, long Embed) ResNetVision(IReadOnlyDictionary<string, long[]> shapes, int headWidth)
    {
        long width = Dim(shapes, "visual.bn3.weight", 0);
        var depths = new int[ResNetDepths.StageCount];
        for (int stage = 0; stage < depths.Length; stage++)
            depths[stage] = BlockIndices(shapes, $"visual.layer{stage + 1}").Count;
        long grid = Grid(shapes, ResNetPoolPositions);
        if (Dim(shapes, ResNetPoolPositions, 1) != width * VisionConfig.ResNetFeatureMultiplier)
            Fail(ResNetPoolPositions, $"width {Dim(shapes, ResNetPoolPositions, 1)} is not 32 x the stem width {width}");
        var vision = VisionConfig.ModifiedResNet((int)(grid * VisionConfig.ResNetDownsampling), ResNetDepths.From(depths), (int)width, headWidth);
        return (vision, Dim(shapes, "visual.attnpool.c_proj.weight", 0));
    }

    /// <summary>The side of the square grid whose cells, plus one token, are the rows of <paramref name="key"/>.</summary>
    static long Grid(IReadOnlyDictionary<string, long[]> shapes, string key)
    {
        long tokens = Dim(shapes, key, 0);
        long grid = (long)Math.Round(Math.Sqrt(tokens - 1));
        if (grid * grid + 1 != tokens)
            Fail(key, $"{tokens} rows is not a square grid plus one token");
        return grid;
    }

    /// <summary>The block indices under <paramref name="prefix"/>, which must run 0..n-1.</summary>
    static List<int> BlockIndices(IReadOnlyDictionary<string, long[]> shapes, string prefix)
    {
        var blockPattern = new Regex("^" + Regex.Escape(prefix) + @"\.(\d+)\.");
        var indices = shapes.Keys.Select(k => blockPattern.Match(k)).Where(m => m.Success)
            .Select(m => int.Parse(m.Groups[1].Value)).Distinct().Order().ToList();
        for (int i = 0; i < indices.Count; i++)
            if (indices[i] != i) Fail($"{prefix}.{i}", $"block indices must run 0..{indices.Count - 1} without gaps, found [{string.Join(", ", indices)}]");
        return indices;
    }

    static TowerShape Tower(IReadOnlyDictionary<string, long[]> shapes, string prefix, int width, int headWidth)
    {
        var blocks = new BlockShape[BlockIndices(shapes, prefix).Count];
        for (int i = 0; i < blocks.Length; i++)
        {
            string p = $"{prefix}.{i}";
            int heads = 0, mlp = 0;
            if (shapes.TryGetValue($"{p}.attn.in_proj_weight", out var inProj))
            {
                if (inProj.Length != 2 || inProj[0] % (3L * headWidth) != 0)
                    Fail($"{p}.attn.in_proj_weight", $"shape [{string.Join(", ", inProj)}] is not 3 * heads * head width {headWidth} rows; pass the right head width as a hint");
                heads = (int)(inProj[0] / (3L * headWidth));
            }
            if (shapes.ContainsKey($"{p}.mlp.c_fc.weight")) mlp = (int)Dim(shapes, $"{p}.mlp.c_fc.weight", 0);
            blocks[i] = new BlockShape(heads, mlp);
        }
        return new TowerShape(width, headWidth, blocks);
    }

    static long[] Require(IReadOnlyDictionary<string, long[]> shapes, string key, int rank)
    {
        if (!shapes.TryGetValue(key, out var shape)) Fail(key, "key is missing; is this an OpenCLIP CLIP state dict?");
        if (shape!.Length != rank) Fail(key, $"expected {rank} dimensions, got [{string.Join(", ", shape)}]");
        return shape;
    }

    static long Dim(IReadOnlyDictionary<string, long[]> shapes, string key, int axis)
    {
        if (!shapes.TryGetValue(key, out var shape)) Fail(key, "key is missing; is this an OpenCLIP CLIP state dict?");
        if (shape!.Length <= axis) Fail(key, $"expected at least {axis + 1} dimensions, got [{string.Join(", ", shape)}]");
        return shape[axis];
    }

    [DoesNotReturn]
    static void Fail(string key, string problem) => throw new CheckpointFormatException(Source, key, problem);
}
