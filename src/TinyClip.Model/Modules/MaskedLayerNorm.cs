using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyClip.Model;

/// <summary>
/// LayerNorm of a tower under a hidden mask: mean and variance over the kept dims only (those where the
/// mask is non-zero), affine on those dims, zeros elsewhere. On the kept dims this is exactly the LayerNorm of
/// the pruned tower, whose width is the kept count, so masked and pruned models agree. During training the
/// kept dims are those of the sampled mask (a hard-concrete sample is exactly 0 for a dropped dim).
/// </summary>
public static class MaskedLayerNorm
{
    /// <param name="hiddenMask">(C) or null for the plain LayerNorm</param>
    public static Tensor Forward(LayerNorm norm, Tensor x, Tensor? hiddenMask)
    {
        if (hiddenMask is null) return norm.forward(x);
        using var scope = NewDisposeScope();
        // Scalars held for the whole computation (see HeldScalarArithmetic).
        using var zero = 0.ToScalar();
        using var one = 1.ToScalar();
        using var eps = norm.eps.ToScalar();
        var keep = hiddenMask.ne(zero).to(x.dtype);
        // A sample that drops every dim yields zeros (centred is 0 there) instead of 0/0.
        var count = keep.sum().clamp_min(one);
        var mean = (x * keep).sum(-1, keepdim: true) / count;
        var centred = (x - mean) * keep;
        var variance = centred.Squared().sum(-1, keepdim: true) / count;
        var normalised = centred * variance.Plus(eps).rsqrt();
        return ((normalised * norm.weight!).Plus(norm.bias!) * keep).MoveToOuterDisposeScope();
    }
}
