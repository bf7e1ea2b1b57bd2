using TorchSharp;
using static TorchSharp.torch;

namespace TinyClip.Model.Losses;

/// <summary>
/// The global loss split by rows across trainers, so that no trainer builds the N x N affinity matrices: trainer k
/// computes the loss rows of its own samples (image to all texts, text to all images; memory O(N x own rows)), weighted
/// by its share of the N rows, and the gradient of that part with respect to all gathered features. The trainers' parts
/// add up to the whole loss and its whole gradient: one all-reduce (sum) of <see cref="Contribution"/>, then
/// <see cref="Finish"/> keeps this trainer's rows. Exact like <see cref="ShardedContrastiveStep"/>'s "whole loss, own
/// slice", which computes all N rows on every trainer; the difference is in the order of float sums.
/// </summary>
public sealed class RowShardedLoss(DistillationObjective objective)
{
    // After the two gradient matrices: dL/dscale, then the loss and its two parts, each already weighted.
    private const int Tail = 4;

    /// <summary>
    /// This trainer's part as one buffer to all-reduce: [dL_k/dImage (N x d), dL_k/dText (N x d), dL_k/dscale, L_k,
    /// distill_k, clip_k], where L_k is the objective over rows [rowOffset, rowOffset + rows) times rows / N.
    /// With <paramref name="rowsAtOnce"/> &gt; 0 the rows are taken that many at a time, each block's gradient added into
    /// the same leaves, so the loss's buffers are O(N x rowsAtOnce) instead of O(N x rows); rows = N with a block size is
    /// the whole loss on bounded memory (gradient caching on one trainer).
    /// </summary>
    public float[] Contribution(long rowOffset, long rows, ClipFeatures gatheredStudent, ClipFeatures? gatheredTeacher,
        Tensor? studentLogitScale = null, Tensor? teacherLogitScale = null, long rowsAtOnce = 0)
    {
        using var scope = NewDisposeScope();
        gatheredStudent.EnsurePaired(nameof(gatheredStudent));
        new RowRange(rowOffset, rows).EnsureWithin(gatheredStudent.Count);
        var leaves = new ClipFeatures(gatheredStudent.Image.detach().clone().requires_grad_(), gatheredStudent.Text.detach().clone().requires_grad_());
        var scaleLeaf = objective.Settings.LearnableStudentScale
            ? (studentLogitScale ?? throw new ArgumentNullException(nameof(studentLogitScale), "LearnableStudentScale needs the student's logit_scale."))
                .detach().clone().requires_grad_()
            : null;
        var buffer = new float[2 * gatheredStudent.Image.numel() + Tail];
        var tail = buffer.AsSpan(buffer.Length - Tail);
        long block = rowsAtOnce > 0 ? Math.Min(rowsAtOnce, rows) : rows;
        double loss = 0, distill = 0, clip = 0;
        for (long start = rowOffset; start < rowOffset + rows; start += block)
        {
            using var blockScope = NewDisposeScope(); // one block's N x block buffers at a time
            var range = new RowRange(start, Math.Min(block, rowOffset + rows - start));
            double share = (double)range.Count / gatheredStudent.Count;
            var value = objective.Compute(leaves, gatheredTeacher, scaleLeaf, teacherLogitScale, range);
            loss += value.Loss.AsDouble() * share;
            distill += value.Distill * share;
            clip += value.Clip * share;
            if (!double.IsFinite(loss)) break; // the sum is not finite either: every trainer skips the step
            using var shareScalar = share.ToScalar();
            value.Loss.mul(shareScalar).backward(); // accumulates into the leaves' .grad over the blocks
        }
        tail[1] = (float)loss;
        tail[2] = (float)distill;
        tail[3] = (float)clip;
        if (!double.IsFinite(tail[1])) return buffer;
        var image = leaves.Image.grad!.to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
        var text = leaves.Text.grad!.to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
        image.CopyTo(buffer, 0);
        text.CopyTo(buffer, image.Length);
        if (scaleLeaf is not null) tail[0] = scaleLeaf.grad!.to(ScalarType.Float32).cpu().item<float>();
        return buffer;
    }

    /// <summary>
    /// From the sum of every trainer's <see cref="Contribution"/>: the loss, and this trainer's rows of dL/dF (with
    /// dL/dscale on the trainer holding row 0 only, as parameter gradients are summed next); null gradients when the loss
    /// is not finite. <paramref name="like"/> gives the features' width, type and device.
    /// </summary>
    public (ShardedStepResult Result, OwnFeatureGradients? Gradients) Finish(float[] summed, long rowOffset, long rows, ClipFeatures like)
    {
        var tail = summed.AsSpan(summed.Length - Tail);
        var result = new ShardedStepResult(tail[1], tail[2], tail[3]);
        if (!result.IsFinite) return (result, null);
        long n = like.Image.shape[0], width = like.Image.shape[1];
        var image = HostTensors.Floats(summed.AsSpan(checked((int)(rowOffset * width)), checked((int)(rows * width))), rows, width);
        var text = HostTensors.Floats(summed.AsSpan(checked((int)((n + rowOffset) * width)), checked((int)(rows * width))), rows, width);
        Tensor? scale = null;
        if (objective.Settings.LearnableStudentScale)
            scale = tensor(rowOffset == 0 ? tail[0] : 0f).to(like.Image.device);
        return (result, new OwnFeatureGradients(image.to(like.Image.dtype).to(like.Image.device), text.to(like.Text.dtype).to(like.Text.device), scale));
    }
}
