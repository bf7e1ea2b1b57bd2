using static TorchSharp.torch;

namespace TinyClip.Model;

/// <summary>
/// A checkpoint that holds a full model plus mask log-alphas under <see cref="MaskedStudent"/>'s names (TinyCLIP's
/// automatic-inheritance checkpoints before their prune step, renamed by <see cref="TinyClipNames"/>) loads as the
/// compact student: the deterministic masks (<see cref="HardConcreteMask.Deterministic"/>, the computation of TinyCLIP's
/// evaluation mode), folded into the weights and pruned away (<see cref="StructuredPruner"/>), as TinyCLIP's evaluation
/// does before it measures a masked checkpoint. A tower without any log-alphas is kept whole, as TinyCLIP keeps a tower
/// it was not asked to prune.
/// </summary>
public static class MaskedCheckpoint
{
    public static bool HasMasks(IEnumerable<string> names) =>
        names.Any(name => name.StartsWith(MaskedStudent.MaskPrefix, StringComparison.Ordinal));

    /// <summary>The model weights and the log-alphas (names without the <c>masks.</c> prefix), the same tensor objects.</summary>
    public static (Dictionary<string, Tensor> Weights, Dictionary<string, Tensor> LogAlphas) Split(IReadOnlyDictionary<string, Tensor> tensors)
    {
        var weights = new Dictionary<string, Tensor>();
        var logAlphas = new Dictionary<string, Tensor>();
        foreach (var (name, tensor) in tensors)
        {
            if (name.StartsWith(MaskedStudent.MaskPrefix, StringComparison.Ordinal)) logAlphas[name[MaskedStudent.MaskPrefix.Length..]] = tensor;
            else weights[name] = tensor;
        }
        return (weights, logAlphas);
    }

    /// <summary>The compact student (on the CPU) of a full model's <paramref name="tensors"/> and their log-alphas.</summary>
    public static ClipModel Load(IReadOnlyDictionary<string, Tensor> tensors, ArchitectureHints hints)
    {
        var (weights, logAlphas) = Split(tensors);
        var config = StateDictArchitecture.Infer(weights.ToDictionary(kv => kv.Key, kv => kv.Value.shape), hints);
        Dictionary<string, Tensor> pruned;
        using (var masks = DeterministicMasks(config, logAlphas))
        using (NewDisposeScope())
        {
            pruned = StructuredPruner.PruneState(weights, config, masks);
            KeepEmptyMlpBiases(pruned, weights, config, masks);
            EmptyBlocks.CloseGaps(pruned);
            foreach (var t in pruned.Values) t.MoveToOuterDisposeScope();
        }
        try
        {
            // No dispose scope here: the model's parameters must outlive this call.
            return ClipModel.FromStateDict(pruned, ArchitectureHints.From(config));
        }
        finally
        {
            foreach (var t in pruned.Values) t.Dispose();
        }
    }

    /// <summary>
    /// A layer whose MLP neurons are all pruned loses its MLP here, but TinyCLIP's pruning keeps that MLP's output bias
    /// (scaled by the hidden mask) in the stream; <see cref="EmptyMlpBias"/> puts it where this project's blocks keep it.
    /// </summary>
    static void KeepEmptyMlpBiases(Dictionary<string, Tensor> pruned, IReadOnlyDictionary<string, Tensor> weights, ClipConfig config, StudentMasks masks)
    {
        foreach (var (image, tower, towerMasks) in new[] { (true, config.Vision.Tower, masks.Image), (false, config.Text.Tower, masks.Text) })
        {
            string blocks = image ? "visual.transformer.resblocks" : "transformer.resblocks";
            var hidden = towerMasks.Hidden!.to(float32, CPU);
            var kept = hidden.nonzero().view(-1);
            for (int layer = 0; layer < tower.Layers; layer++)
            {
                if (towerMasks.IntermediateOf(layer)!.count_nonzero().item<long>() > 0) continue;
                var bias = (weights[$"{blocks}.{layer}.mlp.c_proj.bias"].to(float32, CPU) * hidden).index_select(0, kept);
                EmptyMlpBias.Fold(pruned, image, layer, bias);
            }
        }
    }

    /// <summary>The architecture <see cref="Load"/> produces, for reports that do not need the weights.</summary>
    public static ClipConfig PrunedConfig(ClipConfig full, IReadOnlyDictionary<string, Tensor> logAlphas)
    {
        using var scope = NewDisposeScope();
        return EmptyBlocks.Without(StructuredPruner.PrunedConfig(full, DeterministicMasks(full, logAlphas)));
    }

    /// <summary>
    /// Both towers' deterministic masks from <paramref name="logAlphas"/> (named <c>visual.hidden_log_alpha</c> etc.).
    /// Refused, with the reason: an image tower that is a ResNet (TinyCLIP learns no masks for one), a tower with some of
    /// the three families but not all, a shape that does not fit the tower, a non-finite log-alpha, an unknown name.
    /// </summary>
    public static StudentMasks DeterministicMasks(ClipConfig config, IReadOnlyDictionary<string, Tensor> logAlphas)
    {
        if (config.Vision.IsResNet)
            throw new NotSupportedException("the checkpoint has mask log-alphas but its image tower is a ModifiedResNet; masks cover transformer towers only");
        var known = new[] { TowerMaskSet.ImageTower, TowerMaskSet.TextTower }
            .SelectMany(t => new[] { TowerMaskSet.HiddenName(t), TowerMaskSet.HeadsName(t), TowerMaskSet.IntermediateName(t) }).ToHashSet();
        var unknown = logAlphas.Keys.Where(k => !known.Contains(k)).ToList();
        if (unknown.Count > 0)
            throw new InvalidDataException($"unknown mask entries {string.Join(", ", unknown.Select(k => MaskedStudent.MaskPrefix + k))}; known: {string.Join(", ", known.Select(k => MaskedStudent.MaskPrefix + k))}");
        return new StudentMasks(Tower(TowerMaskSet.ImageTower, config.Vision.Tower, logAlphas), Tower(TowerMaskSet.TextTower, config.Text.Tower, logAlphas));
    }

    static TowerMasks Tower(string tower, TowerShape shape, IReadOnlyDictionary<string, Tensor> logAlphas)
    {
        string[] names = [TowerMaskSet.HiddenName(tower), TowerMaskSet.HeadsName(tower), TowerMaskSet.IntermediateName(tower)];
        var present = names.Where(logAlphas.ContainsKey).ToList();
        if (present.Count == 0) return Whole(tower, shape);
        if (present.Count < names.Length)
            throw new InvalidDataException($"{tower} tower: the checkpoint has {string.Join(", ", present)} but not {string.Join(", ", names.Except(present))}; pruning needs all three mask families");

        TowerMaskSet set;
        try
        {
            set = new TowerMaskSet(tower, shape);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"the checkpoint's masks need the full tower they were learned on: {e.Message}");
        }
        using (set)
        {
            foreach (var family in set.All)
            {
                var logAlpha = logAlphas[family.Name];
                if (!logAlpha.shape.SequenceEqual(family.Shape))
                    throw new InvalidDataException($"{MaskedStudent.MaskPrefix}{family.Name}: shape [{string.Join(", ", logAlpha.shape)}] does not fit the {tower} tower, which needs [{string.Join(", ", family.Shape)}]");
                using (NewDisposeScope())
                {
                    if (!logAlpha.isfinite().all().item<bool>())
                        throw new InvalidDataException($"{MaskedStudent.MaskPrefix}{family.Name}: holds non-finite log-alphas");
                    family.Set(logAlpha);
                }
            }
            return set.Deterministic();
        }
    }

    /// <summary>Masks of ones: folding them changes no weight, pruning removes nothing.</summary>
    static TowerMasks Whole(string tower, TowerShape shape)
    {
        if (!shape.IsUniform)
            throw new InvalidDataException($"{tower} tower: the checkpoint masks the other tower only, and this one is not uniform ({shape})");
        return new TowerMasks(ones(shape.Layers, shape.MaxHeads), ones(shape.Layers, shape.MaxMlpWidth), ones(shape.Width));
    }
}
