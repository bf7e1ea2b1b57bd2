using static TorchSharp.torch;

namespace TinyClip.Model;

/// <summary>
/// Pruning at prune_step (docs/method.md): fold the deterministic masks into the weights, then physically
/// remove every zeroed hidden dim, head and MLP neuron. The result is a heterogeneous <see cref="ClipModel"/>
/// (one hidden width per tower, per-layer heads of unchanged head width, per-layer MLP width; a sub-layer left
/// with nothing is dropped) whose outputs equal the masked model's deterministic outputs, and whose architecture
/// follows from its tensor shapes alone.
/// <para>Folding: out_proj rows (and bias) by hidden z and its head columns by head z; c_proj rows (and bias) by
/// hidden z and its columns by intermediate z; conv1, class, positional and token embeddings and the final
/// projection rows by hidden z. LayerNorms keep their kept entries unscaled (they normalise over kept dims,
/// see <see cref="MaskedLayerNorm"/>); in_proj and c_fc only lose rows and columns.</para>
/// </summary>
public static class StructuredPruner
{
    /// <summary>The pruned model (on the CPU) of <paramref name="model"/> under <paramref name="masks"/> (deterministic masks).</summary>
    public static ClipModel Prune(ClipModel model, StudentMasks masks)
    {
        var state = model.StateDictForSave();
        try
        {
            var pruned = PruneState(state, model.Config, masks);
            try
            {
                return ClipModel.FromStateDict(pruned, ArchitectureHints.From(model.Config));
            }
            finally
            {
                foreach (var t in pruned.Values) t.Dispose();
            }
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
    }

    /// <summary>The architecture <see cref="Prune"/> would produce, without touching any weights.</summary>
    public static ClipConfig PrunedConfig(ClipConfig config, StudentMasks masks) => config with
    {
        Vision = config.Vision with { Tower = PrunedTower("image tower", config.Vision.Tower, masks.Image) },
        Text = config.Text with { Tower = PrunedTower("text tower", config.Text.Tower, masks.Text) },
    };

    /// <summary>What each tower keeps under <paramref name="masks"/> and its parameter count before and after.</summary>
    public static IReadOnlyList<TowerStructure> Structure(ClipConfig config, StudentMasks masks)
    {
        var prunedConfig = PrunedConfig(config, masks);
        var before = ClipLayout.Count(config);
        var after = ClipLayout.Count(prunedConfig);
        TowerStructure Of(string tower, TowerShape full, TowerShape pruned, long parametersBefore, long parametersAfter) =>
            new(tower, pruned.Width, full.Width, pruned.Blocks.Select(b => b.Heads).ToArray(),
                pruned.Blocks.Select(b => b.MlpWidth).ToArray(), parametersBefore, parametersAfter);
        return
        [
            Of("image", config.Vision.Tower, prunedConfig.Vision.Tower, before.Image, after.Image),
            Of("text", config.Text.Tower, prunedConfig.Text.Tower, before.Text, after.Text),
        ];
    }

    /// <summary>The pruned state dict (new CPU tensors) of an OpenCLIP-named <paramref name="state"/> of architecture <paramref name="config"/>.</summary>
    public static Dictionary<string, Tensor> PruneState(IReadOnlyDictionary<string, Tensor> state, ClipConfig config, StudentMasks masks)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var result = new Dictionary<string, Tensor>();
        Tensor Get(string name) => state[name].to(float32, CPU);

        var image = OnCpu(masks.Image, "image tower");
        var kept = KeptHidden(image.Hidden!, "image tower");
        result["visual.conv1.weight"] = Fold(Get("visual.conv1.weight"), 0, image.Hidden!).index_select(0, kept);
        result["visual.class_embedding"] = Fold(Get("visual.class_embedding"), 0, image.Hidden!).index_select(0, kept);
        result["visual.positional_embedding"] = Fold(Get("visual.positional_embedding"), 1, image.Hidden!).index_select(1, kept);
        foreach (var norm in new[] { "visual.ln_pre", "visual.ln_post" })
            KeepLayerNorm(result, Get, norm, kept);
        result["visual.proj"] = Fold(Get("visual.proj"), 0, image.Hidden!).index_select(0, kept);
        Blocks(result, Get, "visual.transformer.resblocks", config.Vision.Tower, image, kept);

        var text = OnCpu(masks.Text, "text tower");
        kept = KeptHidden(text.Hidden!, "text tower");
        result["token_embedding.weight"] = Fold(Get("token_embedding.weight"), 1, text.Hidden!).index_select(1, kept);
        result["positional_embedding"] = Fold(Get("positional_embedding"), 1, text.Hidden!).index_select(1, kept);
        KeepLayerNorm(result, Get, "ln_final", kept);
        result["text_projection"] = Fold(Get("text_projection"), 0, text.Hidden!).index_select(0, kept);
        Blocks(result, Get, "transformer.resblocks", config.Text.Tower, text, kept);

        result["logit_scale"] = Get("logit_scale").clone();
        foreach (var t in result.Values) t.MoveToOuterDisposeScope();
        return result;
    }

    static void Blocks(Dictionary<string, Tensor> result, Func<string, Tensor> get, string prefix, TowerShape tower, TowerMasks masks, Tensor keptHidden)
    {
        int d = tower.HeadWidth;
        long c = tower.Width, k = keptHidden.shape[0];
        var hiddenColumn = masks.Hidden!.view(-1, 1);
        for (int layer = 0; layer < tower.Layers; layer++)
        {
            string p = $"{prefix}.{layer}";
            var headMask = masks.HeadsOf(layer)!;
            var heads = headMask.nonzero().view(-1);
            long h = heads.shape[0], fullHeads = tower.Blocks[layer].Heads;
            if (h > 0)
            {
                KeepLayerNorm(result, get, $"{p}.ln_1", keptHidden);
                result[$"{p}.attn.in_proj_weight"] = get($"{p}.attn.in_proj_weight").view(3, fullHeads, d, c)
                    .index_select(1, heads).index_select(3, keptHidden).reshape(3 * h * d, k);
                result[$"{p}.attn.in_proj_bias"] = get($"{p}.attn.in_proj_bias").view(3, fullHeads, d)
                    .index_select(1, heads).reshape(3 * h * d);
                var outProj = get($"{p}.attn.out_proj.weight") * hiddenColumn * headMask.repeat_interleave(d).view(1, -1);
                result[$"{p}.attn.out_proj.weight"] = outProj.view(c, fullHeads, d)
                    .index_select(1, heads).index_select(0, keptHidden).reshape(k, h * d);
                result[$"{p}.attn.out_proj.bias"] = (get($"{p}.attn.out_proj.bias") * masks.Hidden!).index_select(0, keptHidden);
            }
            var intermediateMask = masks.IntermediateOf(layer)!;
            var neurons = intermediateMask.nonzero().view(-1);
            if (neurons.shape[0] > 0)
            {
                KeepLayerNorm(result, get, $"{p}.ln_2", keptHidden);
                result[$"{p}.mlp.c_fc.weight"] = get($"{p}.mlp.c_fc.weight").index_select(0, neurons).index_select(1, keptHidden);
                result[$"{p}.mlp.c_fc.bias"] = get($"{p}.mlp.c_fc.bias").index_select(0, neurons);
                result[$"{p}.mlp.c_proj.weight"] = (get($"{p}.mlp.c_proj.weight") * hiddenColumn * intermediateMask.view(1, -1))
                    .index_select(0, keptHidden).index_select(1, neurons);
                result[$"{p}.mlp.c_proj.bias"] = (get($"{p}.mlp.c_proj.bias") * masks.Hidden!).index_select(0, keptHidden);
            }
        }
    }

    static TowerShape PrunedTower(string tower, TowerShape shape, TowerMasks masks)
    {
        using var scope = NewDisposeScope();
        var m = OnCpu(masks, tower);
        int width = (int)m.Hidden!.count_nonzero().item<long>();
        if (width == 0) throw new InvalidOperationException($"{tower}: the masks prune every hidden dim");
        var heads = m.Heads!.NotEqualTo(0).sum(1).data<long>().ToArray();
        var mlp = m.Intermediate!.NotEqualTo(0).sum(1).data<long>().ToArray();
        return new TowerShape(width, shape.HeadWidth,
            Enumerable.Range(0, shape.Layers).Select(l => new BlockShape((int)heads[l], (int)mlp[l])).ToArray());
    }

    static TowerMasks OnCpu(TowerMasks masks, string tower)
    {
        if (masks.Hidden is null || masks.Heads is null || masks.Intermediate is null)
            throw new ArgumentException($"{tower}: pruning needs all three masks (hidden, heads, intermediate)");
        return new TowerMasks(masks.Heads.detach().to(float32, CPU), masks.Intermediate.detach().to(float32, CPU), masks.Hidden.detach().to(float32, CPU));
    }

    static void KeepLayerNorm(Dictionary<string, Tensor> result, Func<string, Tensor> get, string norm, Tensor kept)
    {
        result[$"{norm}.weight"] = get($"{norm}.weight").index_select(0, kept);
        result[$"{norm}.bias"] = get($"{norm}.bias").index_select(0, kept);
    }

    /// <summary><paramref name="t"/> scaled by <paramref name="mask"/> along <paramref name="axis"/>.</summary>
    static Tensor Fold(Tensor t, int axis, Tensor mask)
    {
        var shape = Enumerable.Repeat(1L, (int)t.dim()).ToArray();
        shape[axis] = -1;
        return t * mask.view(shape);
    }

    /// <summary>Indices (ascending) of the kept hidden dims; a tower needs at least one.</summary>
    static Tensor KeptHidden(Tensor hiddenMask, string tower)
    {
        var kept = hiddenMask.nonzero().view(-1);
        if (kept.shape[0] == 0) throw new InvalidOperationException($"{tower}: the masks prune every hidden dim");
        return kept;
    }
}
