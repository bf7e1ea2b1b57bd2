using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyClip.Model;

/// <summary>
/// Pre-LN residual block: x + attn(ln_1(x)), then x + mlp(ln_2(x)). A sub-layer whose size is zero
/// (all heads or all MLP neurons pruned) does not exist: its fields stay null and register nothing.
/// </summary>
public sealed class ResidualAttentionBlock : nn.Module
{
    readonly LayerNorm? ln_1;
    readonly MultiheadSelfAttention? attn;
    readonly LayerNorm? ln_2;
    readonly Mlp? mlp;

    public BlockShape Shape { get; }

    public ResidualAttentionBlock(int width, int headWidth, BlockShape shape, bool quickGelu) : base(nameof(ResidualAttentionBlock))
    {
        Shape = shape;
        if (shape.Heads > 0)
        {
            ln_1 = nn.LayerNorm(width);
            attn = new MultiheadSelfAttention(width, shape.Heads, headWidth);
        }
        if (shape.MlpWidth > 0)
        {
            ln_2 = nn.LayerNorm(width);
            mlp = new Mlp(width, shape.MlpWidth, quickGelu);
        }
        RegisterComponents();
    }

    public MultiheadSelfAttention? Attention => attn;
    public Mlp? Mlp => mlp;

    public Tensor Forward(Tensor x, bool causal, Tensor? headMask, Tensor? intermediateMask)
    {
        using var scope = NewDisposeScope();
        if (attn is not null) x = x + attn.Forward(ln_1!.forward(x), causal, headMask);
        if (mlp is not null) x = x + mlp.Forward(ln_2!.forward(x), intermediateMask);
        return x.MoveToOuterDisposeScope();
    }
}
