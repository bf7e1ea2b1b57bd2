using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;
using static TorchSharp.torch;

namespace TinyClip.Model;

/// <summary>
/// Infers a <see cref="ClipConfig"/> from OpenCLIP-named tensor shapes: widths from LayerNorms, depth from
/// block indices, heads per layer from in_proj rows / (3 * head width), MLP width from c_fc rows, patch size
/// from conv1, image size and context length from positional embeddings, vocabulary from the token embedding,
/// embed dim from the projections. A block without attn (or mlp) keys has 0 heads (or MLP width 0).
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
        long visionWidth = Dim(shapes, "visual.ln_pre.weight", 0);
        var conv = Require(shapes, "visual.conv1.weight", 4);
        if (conv[2] != conv[3]) Fail("visual.conv1.weight", $"patches must be square, got [{string.Join(", ", conv)}]");
        long patch = conv[2];
        long visionTokens = Dim(shapes, "visual.positional_embedding", 0);
        long grid = (long)Math.Round(Math.Sqrt(visionTokens - 1));
        if (grid * grid + 1 != visionTokens)
            Fail("visual.positional_embedding", $"{visionTokens} rows is not a square grid plus the class token");
        long embed = Dim(shapes, "visual.proj", 1);
        var vision = new VisionConfig((int)(grid * patch), (int)patch,
            Tower(shapes, "visual.transformer.resblocks", (int)visionWidth, hints.VisionHeadWidth));

        long textWidth = Dim(shapes, "ln_final.weight", 0);
        var text = new TextConfig((int)Dim(shapes, "positional_embedding", 0), (int)Dim(shapes, "token_embedding.weight", 0),
            Tower(shapes, "transformer.resblocks", (int)textWidth, hints.TextHeadWidth));
        if (Dim(shapes, "text_projection", 1) != embed)
            Fail("text_projection", $"embed dim {Dim(shapes, "text_projection", 1)} differs from visual.proj's {embed}");
        var config = new ClipConfig((int)embed, vision, text, hints.QuickGelu);
        config.Validate();
        return config;
    }

    static TowerShape Tower(IReadOnlyDictionary<string, long[]> shapes, string prefix, int width, int headWidth)
    {
        var blockPattern = new Regex("^" + Regex.Escape(prefix) + @"\.(\d+)\.");
        var indices = shapes.Keys.Select(k => blockPattern.Match(k)).Where(m => m.Success)
            .Select(m => int.Parse(m.Groups[1].Value)).Distinct().Order().ToList();
        for (int i = 0; i < indices.Count; i++)
            if (indices[i] != i) Fail($"{prefix}.{i}", $"block indices must run 0..{indices.Count - 1} without gaps, found [{string.Join(", ", indices)}]");

        var blocks = new BlockShape[indices.Count];
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
        if (!shapes.TryGetValue(key, out var shape)) Fail(key, "key is missing; is this an OpenCLIP ViT CLIP state dict?");
        if (shape!.Length != rank) Fail(key, $"expected {rank} dimensions, got [{string.Join(", ", shape)}]");
        return shape;
    }

    static long Dim(IReadOnlyDictionary<string, long[]> shapes, string key, int axis)
    {
        if (!shapes.TryGetValue(key, out var shape)) Fail(key, "key is missing; is this an OpenCLIP ViT CLIP state dict?");
        if (shape!.Length <= axis) Fail(key, $"expected at least {axis + 1} dimensions, got [{string.Join(", ", shape)}]");
        return shape[axis];
    }

    [DoesNotReturn]
    static void Fail(string key, string problem) => throw new CheckpointFormatException(Source, key, problem);
}
