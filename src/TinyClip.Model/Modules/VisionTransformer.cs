using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyClip.Model;

/// <summary>
/// OpenCLIP's ViT image tower (<c>visual.*</c>): patchify with a bias-free conv, prepend the class token,
/// add positions, ln_pre, blocks, ln_post on the class token, then <c>x @ proj</c>.
/// </summary>
public sealed class VisionTransformer : ImageTower
{
    readonly Conv2d conv1;
    readonly Parameter class_embedding;
    readonly Parameter positional_embedding;
    readonly LayerNorm ln_pre;
    readonly ResidualTransformer transformer;
    readonly LayerNorm ln_post;
    readonly Parameter proj;

    public VisionTransformer(VisionConfig config, int embedDim, bool quickGelu) : base(nameof(VisionTransformer), config)
    {
        int width = config.Width;
        conv1 = nn.Conv2d(3, width, config.PatchSize, stride: config.PatchSize, bias: false);
        class_embedding = new Parameter(empty(width));
        positional_embedding = new Parameter(empty(config.Tokens, width));
        ln_pre = nn.LayerNorm(width);
        transformer = new ResidualTransformer(config.Tower, causal: false, quickGelu);
        ln_post = nn.LayerNorm(width);
        proj = new Parameter(empty(width, embedDim));
        RegisterComponents();
    }

    public ResidualTransformer Transformer => transformer;

    public override bool CheckpointActivations
    {
        get => transformer.CheckpointActivations;
        set => transformer.CheckpointActivations = value;
    }

    /// <summary>OpenCLIP's VisionTransformer init: embeddings and proj ~ N(0, width^-0.5), PyTorch defaults elsewhere.</summary>
    internal override void Init(Generator g)
    {
        double scale = Math.Pow(Config.Width, -0.5);
        ParameterInit.ConvolutionDefault(conv1, g);
        ParameterInit.Normal(class_embedding, scale, g);
        ParameterInit.Normal(positional_embedding, scale, g);
        ParameterInit.Normal(proj, scale, g);
        transformer.InitDefault(g);
    }

    public override Tensor Forward(Tensor images, TowerMasks? masks)
    {
        using var scope = NewDisposeScope();
        EnsureImageShape(images);
        long n = images.shape[0];
        var patches = conv1.forward(images).flatten(2).transpose(1, 2);           // (N, G*G, C)
        var cls = class_embedding.view(1, 1, -1).expand(n, 1, -1);
        var x = cat([cls, patches], 1).Plus(positional_embedding);                    // (N, 1+G*G, C)
        var hidden = masks?.Hidden;
        // Under a hidden mask the embeddings are scaled by it, as pruning folds it into conv1 and the embeddings.
        if (hidden is not null) x = x * hidden;
        x = transformer.Forward(MaskedLayerNorm.Forward(ln_pre, x, hidden), masks);
        var pooled = MaskedLayerNorm.Forward(ln_post, x.select(1, 0), hidden);
        // ... and the pooled feature too, as pruning folds it into the rows of proj.
        if (hidden is not null) pooled = pooled * hidden;
        return pooled.matmul(proj).MoveToOuterDisposeScope();
    }
}
