using TinyClip.Model.Optim;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using AdamW = TinyClip.Model.Optim.AdamW;

namespace TinyClip.Model;

/// <summary>
/// A full-size student under learnable structured masks (automatic inheritance, docs/method.md): the model,
/// one <see cref="TowerMaskSet"/> per tower, the <see cref="SparsityLagrangian"/> and the target ramp. The model
/// stays the caller's (this class never disposes it); masks and lambdas are this class's.
/// <para>Parameter and state names: <c>masks.visual.hidden_log_alpha</c>, <c>masks.visual.heads_log_alpha</c>,
/// <c>masks.visual.intermediate_log_alpha</c>, the same with <c>text</c>, <c>lagrangian.lambda1</c>, <c>lagrangian.lambda2</c>.</para>
/// </summary>
public sealed class MaskedStudent : IDisposable
{
    /// <summary>Prefix of the log-alphas' names in checkpoints (also of those <see cref="TinyClipNames"/> maps from TinyCLIP's).</summary>
    public const string MaskPrefix = "masks.";
    const string Lambda1Name = "lagrangian.lambda1";
    const string Lambda2Name = "lagrangian.lambda2";

    MaskedStudent(ClipModel model, MaskSettings settings)
    {
        EnsureMaskable(model.Config);
        var device = model.LogitScale.device;
        Model = model;
        Settings = settings;
        Image = new TowerMaskSet(TowerMaskSet.ImageTower, model.Config.Vision.Tower, settings.InitialLogAlpha, device);
        Text = new TowerMaskSet(TowerMaskSet.TextTower, model.Config.Text.Tower, settings.InitialLogAlpha, device);
        Lagrangian = new SparsityLagrangian(settings.Form, settings.InitialLambda, device);
    }

    /// <summary>Masks cover heads, MLP neurons and hidden dims of transformer towers; TinyCLIP learns none for a ResNet.</summary>
    static void EnsureMaskable(ClipConfig config)
    {
        if (config.Vision.IsResNet)
            throw new NotSupportedException("automatic inheritance masks transformer towers; this model's image tower is a ModifiedResNet (use a manual stage)");
    }

    /// <summary>Masks over <paramref name="model"/> (full, uniform towers), every log-alpha at the initial value.</summary>
    public static MaskedStudent Create(ClipModel model, MaskSettings settings) => new(model, settings);

    /// <summary>
    /// Chaining auto stages: a new full-size model of <paramref name="fullConfig"/> whose leading slices hold
    /// <paramref name="pruned"/>'s weights (kept structures move to the front; see <see cref="LeadingSlice"/>), with
    /// log-alpha +10 on those and -10 on the rest, lambdas at their initial value. Everything outside the slices
    /// comes from a fresh seeded init rather than zeros, so that a structure the masks revive can learn again
    /// (all-zero weights would give it zero gradients). The caller owns <c>Model</c> of the result.
    /// </summary>
    public static MaskedStudent ExpandIntoMasked(ClipModel pruned, ClipConfig fullConfig, MaskSettings settings, long seed)
    {
        var prunedConfig = pruned.Config;
        EnsureMaskable(fullConfig);
        ManualInheritance.EnsureSubShape(fullConfig, prunedConfig);
        if (prunedConfig.Vision.Layers != fullConfig.Vision.Layers || prunedConfig.Text.Layers != fullConfig.Text.Layers)
            throw new ArgumentException($"a pruned model keeps every layer: it has {prunedConfig.Vision.Layers}/{prunedConfig.Text.Layers} image/text layers, the full config {fullConfig.Vision.Layers}/{fullConfig.Text.Layers}");
        if (prunedConfig.EmbedDim != fullConfig.EmbedDim || prunedConfig.Text.VocabSize != fullConfig.Text.VocabSize)
            throw new ArgumentException("a pruned model keeps the embed dim and vocabulary of its full config");

        var model = ClipModel.Create(fullConfig, seed);
        var full = model.StateDictForSave();
        var part = pruned.StateDictForSave();
        try
        {
            foreach (var (name, tensor) in part)
            {
                int headWidth = name.StartsWith("visual.", StringComparison.Ordinal) ? fullConfig.Vision.HeadWidth : fullConfig.Text.HeadWidth;
                LeadingSlice.Put(full[name], name, tensor, headWidth);
            }
            model.LoadStateDict(full);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        finally
        {
            foreach (var t in full.Values.Concat(part.Values)) t.Dispose();
        }

        var student = new MaskedStudent(model, settings);
        KeepLeading(student.Image, prunedConfig.Vision.Tower);
        KeepLeading(student.Text, prunedConfig.Text.Tower);
        return student;
    }

    public ClipModel Model { get; }
    public MaskSettings Settings { get; }
    public TowerMaskSet Image { get; }
    public TowerMaskSet Text { get; }
    public SparsityLagrangian Lagrangian { get; }

    /// <summary>The log-alphas: AdamW at <see cref="MaskSettings.LearningRate"/>, no weight decay, minimised.</summary>
    public IReadOnlyList<(string Name, Parameter Parameter)> MaskParameters =>
        Image.All.Concat(Text.All).Select(m => (MaskPrefix + m.Name, m.LogAlpha)).ToArray();

    /// <summary>lambda1 and lambda2: AdamW at <see cref="MaskSettings.LearningRate"/>, no weight decay, maximised.</summary>
    public IReadOnlyList<(string Name, Parameter Parameter)> LambdaParameters =>
        [(Lambda1Name, Lagrangian.Lambda1), (Lambda2Name, Lagrangian.Lambda2)];

    /// <summary>Groups for a second AdamW, separate from the model's (its learning rate is constant, not the schedule's).</summary>
    public IReadOnlyList<ParameterGroup> OptimizerGroups() =>
        [new ParameterGroup("masks", MaskParameters, 0.0), new ParameterGroup("lambdas", LambdaParameters, 0.0)];

    /// <summary>
    /// Fresh training masks for one step. Every trainer of a data-parallel group must pass a generator seeded
    /// alike (from seed, stage and step), so that all of them train the same sampled sub-network.
    /// Draw order: image hidden, heads, intermediate, then text likewise.
    /// </summary>
    public StudentMasks SampleMasks(Generator generator) => new(Image.Sample(generator), Text.Sample(generator));

    /// <summary>The evaluation / pruning masks.</summary>
    public StudentMasks DeterministicMasks() => new(Image.Deterministic(), Text.Deterministic());

    /// <summary>Expected sparsity over both towers, p = 1 - (R_img + R_txt) / (M_img + M_txt), with graph.</summary>
    public Tensor ExpectedSparsity()
    {
        using var scope = NewDisposeScope();
        double prunable = Image.PrunableSize + Text.PrunableSize;
        return Image.ExpectedRemainingSize().Plus(Text.ExpectedRemainingSize()).DividedBy(prunable).SubtractedFrom(1).MoveToOuterDisposeScope();
    }

    /// <summary>The Lagrangian term for stage step <paramref name="step"/> (target q from the ramp).</summary>
    public SparsityPenalty Penalty(long step)
    {
        using var scope = NewDisposeScope();
        var expected = ExpectedSparsity();
        double target = Settings.Ramp.At(step);
        var loss = Lagrangian.Term(expected, target);
        return new SparsityPenalty(loss.MoveToOuterDisposeScope(), expected.item<float>(), target);
    }

    /// <summary>
    /// One update of masks and lambdas with the optimiser built from <see cref="OptimizerGroups"/>, after the
    /// gradients are in: lambda gradients negated (ascent), an AdamW step at the constant rate, log-alphas clamped.
    /// </summary>
    public void Step(AdamW optimizer)
    {
        using (no_grad())
            foreach (var (_, lambda) in LambdaParameters) lambda.grad?.neg_();
        optimizer.Step(Settings.LearningRate);
        foreach (var mask in Image.All.Concat(Text.All)) mask.Clamp();
    }

    /// <summary>What the deterministic masks keep, per tower, with parameter counts before and after pruning.</summary>
    public IReadOnlyList<TowerStructure> KeptStructure()
    {
        using var scope = NewDisposeScope();
        return StructuredPruner.Structure(Model.Config, DeterministicMasks());
    }

    /// <summary>The pruned heterogeneous model (on the CPU) under the deterministic masks; masks and lambdas are not used after this.</summary>
    public ClipModel Prune()
    {
        // No dispose scope here: the new model's parameters must outlive this call.
        using var masks = DeterministicMasks();
        return StructuredPruner.Prune(Model, masks);
    }

    /// <summary>Log-alphas and lambdas as CPU copies, for checkpoints (the model's weights are saved separately).</summary>
    public Dictionary<string, Tensor> StateDict()
    {
        using var scope = NewDisposeScope(); // holds the temporaries until the copies are made (see AdamW.StateDict)
        return MaskParameters.Concat(LambdaParameters).ToDictionary(p => p.Name, p => p.Parameter.detach().cpu().clone().DetachFromDisposeScope());
    }

    /// <summary>Restores <see cref="StateDict"/>; every entry must be present with its shape.</summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state)
    {
        var parameters = MaskParameters.Concat(LambdaParameters).ToArray();
        var problems = parameters.Where(p => !state.TryGetValue(p.Name, out var t) || !t.shape.SequenceEqual(p.Parameter.shape))
            .Select(p => $"{p.Name} (expected [{string.Join(", ", p.Parameter.shape)}])")
            .Concat(state.Keys.Where(k => parameters.All(p => p.Name != k)).Select(k => $"{k} (unexpected)"))
            .ToList();
        if (problems.Count > 0) throw new InvalidDataException("mask state does not match: " + string.Join("; ", problems));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        foreach (var (name, parameter) in parameters) parameter.copy_(state[name].to(parameter.dtype, parameter.device));
    }

    /// <summary>Log-alpha +10 on the leading (kept) slice of every family, -10 elsewhere.</summary>
    static void KeepLeading(TowerMaskSet masks, TowerShape kept)
    {
        using var scope = NewDisposeScope();
        const float keptLogAlpha = 10, removedLogAlpha = -10;
        var hidden = HeldScalarArithmetic.Filled(masks.Hidden.Shape, removedLogAlpha, float32);
        hidden.narrow(0, 0, kept.Width).FillInPlace(keptLogAlpha);
        var heads = HeldScalarArithmetic.Filled(masks.Heads.Shape, removedLogAlpha, float32);
        var intermediate = HeldScalarArithmetic.Filled(masks.Intermediate.Shape, removedLogAlpha, float32);
        for (int layer = 0; layer < kept.Layers; layer++)
        {
            heads[layer].narrow(0, 0, kept.Blocks[layer].Heads).FillInPlace(keptLogAlpha);
            intermediate[layer].narrow(0, 0, kept.Blocks[layer].MlpWidth).FillInPlace(keptLogAlpha);
        }
        masks.Hidden.Set(hidden);
        masks.Heads.Set(heads);
        masks.Intermediate.Set(intermediate);
    }

    public void Dispose()
    {
        Image.Dispose();
        Text.Dispose();
        Lagrangian.Dispose();
    }
}
