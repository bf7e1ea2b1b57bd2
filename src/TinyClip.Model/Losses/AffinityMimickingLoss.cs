using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace TinyClip.Model.Losses;

/// <summary>
/// TinyCLIP affinity mimicking (docs/method.md): the student's image-to-text and text-to-image
/// affinity rows (log-softmax of scaled cosine similarities) are trained towards the teacher's
/// (softmax, no gradient) with a soft-target cross-entropy; both directions are averaged.
/// Only N x N affinities are compared, so student and teacher widths may differ.
/// </summary>
public static class AffinityMimickingLoss
{
    /// <summary>The default fixed logit scale of student and teacher (temperature 0.02).</summary>
    public const double DefaultScale = 50.0;

    /// <summary>L2-normalises each row (last axis). Callers normalise features before any loss here.</summary>
    public static Tensor Normalize(Tensor features) => normalize(features, p: 2.0, dim: -1);

    /// <summary>
    /// The loss for the rows <paramref name="rows"/> of the global batch against all global columns
    /// (all rows when null). <paramref name="studentScale"/> is the student's scale itself (for a
    /// learnable scale pass exp(logit_scale) so its gradient flows); the teacher's scale never gets one.
    /// </summary>
    public static Tensor Compute(
        ClipFeatures student, ClipFeatures teacher, Tensor studentScale, Tensor teacherScale, RowRange? rows = null)
    {
        using var scope = NewDisposeScope();
        student.EnsurePaired(nameof(student));
        teacher.EnsurePaired(nameof(teacher));
        if (teacher.Count != student.Count)
            throw new ArgumentException($"teacher has {teacher.Count} pairs, student {student.Count}.");
        var range = rows ?? RowRange.All(student.Count);
        range.EnsureWithin(student.Count);

        var (targetI2T, targetT2I) = TeacherAffinities(teacher, teacherScale, range);
        var logProbI2T = log_softmax(studentScale * range.Slice(student.Image).matmul(student.Text.t()), 1);
        var logProbT2I = log_softmax(studentScale * range.Slice(student.Text).matmul(student.Image.t()), 1);
        var lossI2T = SoftTargetCrossEntropy(targetI2T, logProbI2T);
        var lossT2I = SoftTargetCrossEntropy(targetT2I, logProbT2I);
        using var half = 0.5.ToScalar(); // held: a temporary Scalar can be finalized while libtorch reads it (see AdamW)
        return lossI2T.Plus(lossT2I).mul(half).MoveToOuterDisposeScope();
    }

    /// <summary>The same loss with fixed scales (default 50 for both).</summary>
    public static Tensor Compute(
        ClipFeatures student, ClipFeatures teacher,
        double studentScale = DefaultScale, double teacherScale = DefaultScale, RowRange? rows = null)
    {
        using var scope = NewDisposeScope();
        var loss = Compute(student, teacher,
            ScaleTensor.Constant(studentScale, student.Image), ScaleTensor.Constant(teacherScale, teacher.Image), rows);
        return loss.MoveToOuterDisposeScope();
    }

    // The teacher is a fixed target: no autograd graph, whatever the caller's tensors carry.
    private static (Tensor I2T, Tensor T2I) TeacherAffinities(ClipFeatures teacher, Tensor teacherScale, RowRange range)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var scale = teacherScale.detach();
        var image = teacher.Image.detach();
        var text = teacher.Text.detach();
        var i2t = softmax(scale * range.Slice(image).matmul(text.t()), 1);
        var t2i = softmax(scale * range.Slice(text).matmul(image.t()), 1);
        return (i2t.MoveToOuterDisposeScope(), t2i.MoveToOuterDisposeScope());
    }

    // mean over rows of -sum_cols target * logProb; same gradient as KL(target || softmax).
    private static Tensor SoftTargetCrossEntropy(Tensor target, Tensor logProb) => -(target * logProb).sum(1).mean();
}
