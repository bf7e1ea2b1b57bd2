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

    /// <param name="hiddenMask">optional (C): LayerNorms over its kept dims, sub-layer outputs scaled by it</param>
    public Tensor Forward(Tensor x, bool causal, Tensor? headMask, Tensor? intermediateMask, Tensor? hiddenMask)
    {
        using var scope = NewDisposeScope();
        if (attn is not null)
            x = x.Plus(Masked(attn.Forward(MaskedLayerNorm.Forward(ln_1!, x, hiddenMask), causal, headMask), headMask, hiddenMask));
        if (mlp is not null)
            x = x.Plus(Masked(mlp.Forward(MaskedLayerNorm.Forward(ln_2!, x, hiddenMask), intermediateMask), intermediateMask, hiddenMask));
        return x.MoveToOuterDisposeScope();
    }

    // A sub-layer whose structure mask is all zero is gated off entirely (its output bias included), as the
    // pruned model drops it; a tensor gate keeps this free of host synchronisation.
    static Tensor Masked(Tensor output, Tensor? structureMask, Tensor? hiddenMask)
    {
        if (structureMask is not null) output = output * structureMask.NotEqualTo(0).any().to(output.dtype);
        if (hiddenMask is not null) output = output * hiddenMask;
        return output;
    }
}
