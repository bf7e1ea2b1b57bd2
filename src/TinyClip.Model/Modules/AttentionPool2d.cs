using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyClip.Model;

/// <summary>
/// OpenCLIP's attention pooling at the end of a ModifiedResNet: the grid cells, preceded by their mean, plus a
/// learned positional embedding, attend with separate q/k/v projections and multi-head attention; the mean's
/// output through <c>c_proj</c> is the image embedding. Only that one query is computed: the other positions'
/// outputs are discarded by OpenCLIP too.
/// </summary>
public sealed class AttentionPool2d : nn.Module
{
    readonly Parameter positional_embedding;
    readonly Linear k_proj;
    readonly Linear q_proj;
    readonly Linear v_proj;
    readonly Linear c_proj;

    public int Heads { get; }

    public AttentionPool2d(int tokens, int width, int heads, int outputDim) : base(nameof(AttentionPool2d))
    {
        Heads = heads;
        positional_embedding = new Parameter(empty(tokens, width));
        k_proj = nn.Linear(width, width);
        q_proj = nn.Linear(width, width);
        v_proj = nn.Linear(width, width);
        c_proj = nn.Linear(width, outputDim);
        RegisterComponents();
    }

    /// <summary>OpenCLIP's init: positions and the four projection weights ~ N(0, width^-0.5), biases PyTorch's default.</summary>
    internal void Init(Generator g)
    {
        long width = positional_embedding.shape[1];
        double std = Math.Pow(width, -0.5);
        ParameterInit.Normal(positional_embedding, std, g);
        foreach (var projection in new[] { q_proj, k_proj, v_proj, c_proj })
        {
            ParameterInit.Normal(projection.weight!, std, g);
            ParameterInit.FanInUniform(projection.bias!, width, g);
        }
    }

    /// <param name="x">(N, C, H, W), H * W + 1 = the positional embedding's rows</param>
    /// <returns>(N, output dim)</returns>
    public Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long n = x.shape[0], c = x.shape[1];
        var cells = x.flatten(2).transpose(1, 2);                                    // (N, HW, C)
        var tokens = cat([cells.mean([1], keepdim: true), cells], 1).Plus(positional_embedding); // (N, 1+HW, C)
        long t = tokens.shape[1], d = c / Heads;
        var q = q_proj.forward(tokens.narrow(1, 0, 1)).view(n, 1, Heads, d).transpose(1, 2);
        var k = k_proj.forward(tokens).view(n, t, Heads, d).transpose(1, 2);
        var v = v_proj.forward(tokens).view(n, t, Heads, d).transpose(1, 2);
        // Default scale 1/sqrt(head width), as F.multi_head_attention_forward's.
        var pooled = nn.functional.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(n, c);
        return c_proj.forward(pooled).MoveToOuterDisposeScope();
    }
}
