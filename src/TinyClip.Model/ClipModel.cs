using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyClip.Model;

/// <summary>
/// OpenCLIP's CLIP (ViT or ModifiedResNet image tower + causal text transformer). Field names are OpenCLIP's, so
/// <c>named_parameters()</c> and <c>named_buffers()</c> yield exactly OpenCLIP's state-dict keys; the text tower lives at the top
/// level because that is where OpenCLIP puts its keys. The causal mask is not stored (OpenCLIP's is a
/// non-persistent buffer): attention is asked to be causal instead.
/// </summary>
public sealed class ClipModel : nn.Module
{
    readonly ImageTower visual;
    readonly Embedding token_embedding;
    readonly Parameter positional_embedding;
    readonly ResidualTransformer transformer;
    readonly LayerNorm ln_final;
    readonly Parameter text_projection;
    readonly Parameter logit_scale;

    public ClipConfig Config { get; }

    public Parameter LogitScale => logit_scale;

    ClipModel(ClipConfig config) : base(nameof(ClipModel))
    {
        config.Validate();
        Config = config;
        var t = config.Text;
        visual = config.Vision.IsResNet
            ? new ModifiedResNet(config.Vision, config.EmbedDim)
            : new VisionTransformer(config.Vision, config.EmbedDim, config.QuickGelu);
        token_embedding = nn.Embedding(t.VocabSize, t.Width);
        positional_embedding = new Parameter(empty(t.ContextLength, t.Width));
        transformer = new ResidualTransformer(t.Tower, causal: true, config.QuickGelu);
        ln_final = nn.LayerNorm(t.Width);
        text_projection = new Parameter(empty(t.Width, config.EmbedDim));
        logit_scale = new Parameter(tensor(MathF.Log(1 / 0.07f)));
        RegisterComponents();
    }

    /// <summary>A freshly initialised model (OpenCLIP's init schedule), reproducible for a given seed.</summary>
    public static ClipModel Create(ClipConfig config, long seed)
    {
        var model = new ClipModel(config);
        using var g = new Generator(unchecked((ulong)seed));
        model.visual.Init(g);
        var t = config.Text;
        ParameterInit.Normal(model.token_embedding.weight!, 0.02, g);
        ParameterInit.Normal(model.positional_embedding, 0.01, g);
        model.transformer.InitDefault(g);
        model.transformer.InitTextStyle(g);
        ParameterInit.Normal(model.text_projection, Math.Pow(t.Width, -0.5), g);
        return model;
    }

    /// <summary>
    /// A model whose architecture is inferred from the tensor shapes alone (see <see cref="StateDictArchitecture"/>),
    /// loaded strictly. <paramref name="hints"/> supplies what shapes cannot tell: head widths and the activation.
    /// </summary>
    public static ClipModel FromStateDict(IReadOnlyDictionary<string, Tensor> state, ArchitectureHints? hints = null)
    {
        var model = new ClipModel(StateDictArchitecture.Infer(state, hints ?? ArchitectureHints.OpenClipDefaults));
        model.LoadStateDict(state, strict: true);
        return model;
    }

    /// <summary>Whether the parameter of OpenCLIP name <paramref name="name"/> belongs to the text tower (every name but
    /// the image tower's <c>visual.*</c> and the shared <c>logit_scale</c>).</summary>
    public static bool IsTextTowerParameter(string name) => !name.StartsWith("visual.", StringComparison.Ordinal) && name != "logit_scale";

    /// <summary>Activation checkpointing of both towers' transformer blocks (see <see cref="ActivationCheckpoint"/>).</summary>
    public bool CheckpointActivations
    {
        get => transformer.CheckpointActivations;
        set => transformer.CheckpointActivations = visual.CheckpointActivations = value;
    }

    /// <param name="images">(N, 3, H, W) float</param>
    /// <returns>(N, E) unnormalised</returns>
    public Tensor EncodeImage(Tensor images, TowerMasks? masks = null) => visual.Forward(images, masks);

    /// <param name="tokens">(N, context) int64; each row's highest id marks the end-of-text position</param>
    /// <returns>(N, E) unnormalised</returns>
    public Tensor EncodeText(Tensor tokens, TowerMasks? masks = null)
    {
        using var scope = NewDisposeScope();
        var t = Config.Text;
        if (tokens.dim() != 2 || tokens.shape[1] != t.ContextLength || tokens.dtype != int64)
            throw new ArgumentException($"expected int64 tokens of shape [N, {t.ContextLength}], got {tokens.dtype} [{string.Join(", ", tokens.shape)}]");
        var x = token_embedding.forward(tokens).Plus(positional_embedding);
        var hidden = masks?.Hidden;
        // Hidden mask: scales the embeddings and the pooled feature, as pruning folds it into the token and
        // positional embeddings and the rows of text_projection (see TowerMasks).
        if (hidden is not null) x = x * hidden;
        x = MaskedLayerNorm.Forward(ln_final, transformer.Forward(x, masks), hidden);
        // Pool at the end-of-text token, which has the highest id in CLIP's vocabulary.
        var eot = tokens.argmax(-1).view(-1, 1, 1).expand(-1, 1, t.Width);
        var pooled = x.gather(1, eot).squeeze(1);
        if (hidden is not null) pooled = pooled * hidden;
        return pooled.matmul(text_projection).MoveToOuterDisposeScope();
    }

    public (long Image, long Text) ParameterCounts()
    {
        long image = 0, text = 0;
        foreach (var (name, p) in named_parameters())
        {
            if (IsTextTowerParameter(name)) text += p.numel();
            else if (name != "logit_scale") image += p.numel();
        }
        return (image, text);
    }

    /// <summary>
    /// OpenCLIP-named contiguous, detached CPU copies of every parameter (fp32) and buffer (a ModifiedResNet's
    /// BatchNorm statistics: fp32, and the int64 batch counters as they are), as OpenCLIP's state dict holds them.
    /// </summary>
    public Dictionary<string, Tensor> StateDictForSave()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var result = new Dictionary<string, Tensor>();
        foreach (var (name, t) in StateEntries())
            result[name] = t.detach().to(t.is_floating_point() ? float32 : t.dtype, CPU).contiguous().clone().MoveToOuterDisposeScope();
        return result;
    }

    /// <summary>Parameters, then buffers: every entry of OpenCLIP's state dict for this model.</summary>
    IEnumerable<(string Name, Tensor Tensor)> StateEntries() =>
        named_parameters().Select(p => (p.name, (Tensor)p.parameter)).Concat(named_buffers().Select(b => (b.name, b.buffer)));

    /// <summary>
    /// Copies <paramref name="state"/> into this model after checking every key and shape first, so a bad
    /// checkpoint fails with a message instead of inside libtorch (and leaves the model untouched).
    /// Strict: missing or unexpected keys are errors. Not strict: they are reported and skipped.
    /// Shape mismatches are always errors. Values are converted to the parameter's (or buffer's) dtype.
    /// </summary>
    public StateDictLoadReport LoadStateDict(IReadOnlyDictionary<string, Tensor> state, bool strict = true)
    {
        var entries = StateEntries().ToDictionary(p => p.Name, p => p.Tensor);
        var missing = entries.Keys.Where(k => !state.ContainsKey(k)).ToList();
        var unexpected = state.Keys.Where(k => !entries.ContainsKey(k)).OrderBy(k => k, StringComparer.Ordinal).ToList();
        var mismatches = state.Where(kv => entries.TryGetValue(kv.Key, out var p) && !p.shape.SequenceEqual(kv.Value.shape))
            .Select(kv => $"{kv.Key}: checkpoint has shape [{string.Join(", ", kv.Value.shape)}], model expects [{string.Join(", ", entries[kv.Key].shape)}]")
            .ToList();
        if (mismatches.Count > 0)
            throw new StateDictMismatchException("shape mismatch: " + string.Join("; ", mismatches));
        if (strict && (missing.Count > 0 || unexpected.Count > 0))
            throw new StateDictMismatchException(
                $"state dict does not match the model: missing [{string.Join(", ", missing)}], unexpected [{string.Join(", ", unexpected)}]");

        using var scope = NewDisposeScope();
        using var _ = no_grad();
        foreach (var (name, p) in entries)
            if (state.TryGetValue(name, out var source))
                p.copy_(source.to(p.dtype, p.device));
        return new StateDictLoadReport(missing, unexpected);
    }
}
