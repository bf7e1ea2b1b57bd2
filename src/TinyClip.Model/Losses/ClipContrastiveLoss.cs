using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace TinyClip.Model.Losses;

/// <summary>
/// The CLIP ground-truth loss (InfoNCE): image i must pick text i and text i must pick image i among all
/// columns; cross-entropy of both directions, averaged. In the rows form the label of local row i is
/// <c>rows.Offset + i</c>, the global column of its own pair.
/// </summary>
public static class ClipContrastiveLoss
{
    /// <summary>
    /// The loss for <paramref name="rows"/> of the (L2-normalised) global batch against all columns
    /// (all rows when null). <paramref name="scale"/> is exp(logit_scale), a tensor so that a learnable
    /// scale receives its gradient.
    /// </summary>
    public static Tensor Compute(ClipFeatures features, Tensor scale, RowRange? rows = null)
    {
        using var scope = NewDisposeScope();
        features.EnsurePaired(nameof(features));
        var range = rows ?? RowRange.All(features.Count);
        range.EnsureWithin(features.Count);

        var labels = HeldScalarArithmetic.Int64Range(range.Offset, range.Offset + range.Count, features.Image.device);
        var logitsI2T = scale * range.Slice(features.Image).matmul(features.Text.t());
        var logitsT2I = scale * range.Slice(features.Text).matmul(features.Image.t());
        using var half = 0.5.ToScalar(); // held: a temporary Scalar can be finalized while libtorch reads it (see AdamW)
        var loss = cross_entropy(logitsI2T, labels).Plus(cross_entropy(logitsT2I, labels)).mul(half);
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>The same loss with a fixed scale.</summary>
    public static Tensor Compute(ClipFeatures features, double scale, RowRange? rows = null)
    {
        using var scope = NewDisposeScope();
        return Compute(features, ScaleTensor.Constant(scale, features.Image), rows).MoveToOuterDisposeScope();
    }
}
