using static TorchSharp.torch;

namespace TinyClip.Model;

/// <summary>
/// TinyCLIP's pruning (<c>Mlp.prune</c> in its <c>src/open_clip/model.py</c>) keeps an MLP whose every neuron is pruned
/// as a zero-width MLP: <c>c_fc</c> with no rows, <c>c_proj</c> with no columns, and <c>c_proj</c>'s bias (scaled by the
/// hidden mask), which it still adds to the residual stream. This project's blocks have no such sub-layer, so that bias,
/// a constant added to the stream, moves to the nearest earlier bias whose sum nothing reads in between: the same
/// layer's attention output bias; else the last sub-layer of an earlier layer; else the start of the stream
/// (<c>visual.ln_pre.bias</c>, or every row of the text tower's positional embedding). The result computes exactly
/// what TinyCLIP's compact model computes (only the dropped MLP's LayerNorm read the stream there, and it fed nothing).
/// </summary>
public static class EmptyMlpBias
{
    /// <summary>The block prefix and the stream's first bias of the image (true) or text tower.</summary>
    static (string Blocks, string Start) Tower(bool image) =>
        image ? ("visual.transformer.resblocks", "visual.ln_pre.bias") : ("transformer.resblocks", "positional_embedding");

    /// <summary>Removes every zero-width MLP of an OpenCLIP-named <paramref name="state"/>, keeping its bias in the stream.</summary>
    public static void FoldZeroWidthMlps(Dictionary<string, Tensor> state)
    {
        foreach (bool image in new[] { true, false })
        {
            var (blocks, _) = Tower(image);
            var layers = state.Keys.Where(k => k.StartsWith(blocks + ".", StringComparison.Ordinal))
                .Select(k => int.Parse(k[(blocks.Length + 1)..].Split('.')[0])).Distinct().Order().ToList();
            foreach (int layer in layers)
            {
                string mlp = $"{blocks}.{layer}.mlp";
                if (!state.TryGetValue($"{mlp}.c_fc.weight", out var fc) || fc.shape[0] != 0) continue;
                var bias = state[$"{mlp}.c_proj.bias"];
                foreach (var name in new[] { "mlp.c_fc.weight", "mlp.c_fc.bias", "mlp.c_proj.weight", "mlp.c_proj.bias", "ln_2.weight", "ln_2.bias" })
                    state.Remove($"{blocks}.{layer}.{name}");
                Fold(state, image, layer, bias);
            }
        }
    }

    /// <summary>
    /// Adds <paramref name="bias"/> (kept hidden dims) to the residual stream where layer <paramref name="layer"/>'s MLP
    /// would add it, in a <paramref name="state"/> whose MLP there is already gone. Earlier layers must be folded first.
    /// </summary>
    public static void Fold(Dictionary<string, Tensor> state, bool image, int layer, Tensor bias)
    {
        var (blocks, start) = Tower(image);
        var candidates = new[] { $"{blocks}.{layer}.attn.out_proj.bias" }
            .Concat(Enumerable.Range(0, layer).Reverse().SelectMany(l => new[] { $"{blocks}.{l}.mlp.c_proj.bias", $"{blocks}.{l}.attn.out_proj.bias" }))
            .Append(start);
        var target = candidates.First(state.ContainsKey);
        state[target] = state[target].Plus(bias);
    }
}
