using TinyClip.Model.Losses;
using static TorchSharp.torch;

namespace TinyClip.Model.Evaluation;

/// <summary>
/// The CLIP contrastive loss (<see cref="ClipContrastiveLoss"/>) of a whole held-out set as one batch: every image
/// against every text. Computed a chunk of rows at a time (<see cref="QueryChunks"/>) and weighted by rows, so it
/// equals the N x N loss without holding N x N logits, and does not depend on the batch size the set was encoded with.
/// </summary>
public static class ContrastiveValidationLoss
{
    /// <param name="scale">exp(logit_scale) of the model being evaluated.</param>
    public static double Compute(Tensor imageEmbeddings, Tensor textEmbeddings, double scale)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var features = new ClipFeatures(AffinityMimickingLoss.Normalize(imageEmbeddings), AffinityMimickingLoss.Normalize(textEmbeddings));
        var count = features.Count;
        double total = 0;
        foreach (var (start, rows) in QueryChunks.Of(count, count))
        {
            using var chunkScope = NewDisposeScope();
            total += ClipContrastiveLoss.Compute(features, scale, new RowRange(start, rows)).to(ScalarType.Float64).item<double>() * rows;
        }
        return total / count;
    }
}
