using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyClip.Model;

/// <summary>
/// nn.MultiheadAttention's parameter layout (packed <c>in_proj_weight</c> of 3*H*d rows, <c>out_proj</c>)
/// for self-attention. H*d may differ from the model width after head pruning.
/// </summary>
public sealed class MultiheadSelfAttention : nn.Module
{
    readonly Parameter in_proj_weight;
    readonly Parameter in_proj_bias;
    readonly Linear out_proj;

    public int Heads { get; }
    public int HeadWidth { get; }

    public MultiheadSelfAttention(int width, int heads, int headWidth) : base(nameof(MultiheadSelfAttention))
    {
        Heads = heads;
        HeadWidth = headWidth;
        int inner = heads * headWidth;
        in_proj_weight = new Parameter(empty(3 * inner, width));
        in_proj_bias = new Parameter(zeros(3 * inner));
        out_proj = nn.Linear(inner, width);
        RegisterComponents();
    }

    public Parameter InProjWeight => in_proj_weight;
    public Parameter InProjBias => in_proj_bias;
    public Linear OutProj => out_proj;

    /// <param name="x">(N, T, C)</param>
    /// <param name="headMask">optional (H): scales each head's output</param>
    public Tensor Forward(Tensor x, bool causal, Tensor? headMask)
    {
        using var scope = NewDisposeScope();
        long n = x.shape[0], t = x.shape[1];
        // (N, T, 3*H*d) -> (3, N, H, T, d): the q, k, v chunks of the packed projection.
        var qkv = nn.functional.linear(x, in_proj_weight, in_proj_bias)
            .view(n, t, 3, Heads, HeadWidth).permute(2, 0, 3, 1, 4);
        // Default scale is 1/sqrt(head width), as in nn.MultiheadAttention.
        var heads = nn.functional.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], is_casual: causal);
        if (headMask is not null) heads = heads * headMask.view(1, Heads, 1, 1);
        var merged = heads.transpose(1, 2).reshape(n, t, Heads * HeadWidth);
        return out_proj.forward(merged).MoveToOuterDisposeScope();
    }
}
