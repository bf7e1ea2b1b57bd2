using TorchSharp;
using static TorchSharp.torch;

namespace TinyClip.Model.Losses;

/// <summary>
/// The training objective <c>L = Alpha*Weight*L_distill + (1-Alpha)*Weight*L_clip</c> with the logit-scale
/// rules of <see cref="DistillationSettings"/>. Scales are passed as the models' raw <c>logit_scale</c>
/// parameters (log form); which of them is used, and whether it gets a gradient, is decided here.
/// </summary>
public sealed class DistillationObjective
{
    public DistillationObjective(DistillationSettings settings)
    {
        if (settings.Alpha is < 0.0 or > 1.0 || double.IsNaN(settings.Alpha))
            throw new ArgumentOutOfRangeException(nameof(settings), $"Alpha must be in [0, 1], got {settings.Alpha}.");
        if (!(settings.Weight > 0.0))
            throw new ArgumentOutOfRangeException(nameof(settings), $"Weight must be > 0, got {settings.Weight}.");
        if (!(settings.FixedLogitScale > 0.0))
            throw new ArgumentOutOfRangeException(nameof(settings), $"FixedLogitScale must be > 0, got {settings.FixedLogitScale}.");
        Settings = settings;
    }

    public DistillationSettings Settings { get; }

    /// <summary>Whether teacher features are required (Alpha &gt; 0).</summary>
    public bool NeedsTeacher => Settings.Alpha > 0.0;

    /// <summary>
    /// The objective for <paramref name="rows"/> of the global batch (all rows when null).
    /// <paramref name="studentLogitScale"/> is required when the student scale is learnable,
    /// <paramref name="teacherLogitScale"/> when the teacher's own scale is used; otherwise they are ignored.
    /// </summary>
    public DistillationLossValue Compute(
        ClipFeatures student,
        ClipFeatures? teacher,
        Tensor? studentLogitScale = null,
        Tensor? teacherLogitScale = null,
        RowRange? rows = null)
    {
        using var scope = NewDisposeScope();
        if (NeedsTeacher && teacher is null)
            throw new ArgumentNullException(nameof(teacher), $"Alpha = {Settings.Alpha} needs teacher features.");

        var studentScale = StudentScale(studentLogitScale, student.Image);
        var distillWeight = Settings.Alpha * Settings.Weight;
        var clipWeight = (1.0 - Settings.Alpha) * Settings.Weight;

        // A part whose weight is 0 is still computed for the log, but outside the autograd graph.
        Tensor? distill = null;
        if (teacher is not null)
        {
            using var graph = distillWeight > 0.0 ? null : no_grad();
            distill = AffinityMimickingLoss.Compute(
                student, teacher, studentScale, TeacherScale(teacherLogitScale, teacher.Image), rows);
        }
        Tensor clip;
        using (clipWeight > 0.0 ? null : no_grad())
            clip = ClipContrastiveLoss.Compute(student, studentScale, rows);

        // Scalars held through the native calls: a temporary one can be finalized while libtorch reads it (see AdamW).
        using var clipScale = clipWeight.ToScalar();
        using var distillScale = distillWeight.ToScalar();
        var loss = clip.mul(clipScale);
        if (distill is not null && distillWeight > 0.0)
            loss = loss.Plus(distill.mul(distillScale));
        return new DistillationLossValue(
            loss.MoveToOuterDisposeScope(),
            distill?.AsDouble() ?? double.NaN,
            clip.AsDouble());
    }

    /// <summary>
    /// The scale rule to apply to the student's logit_scale parameter after every optimiser step:
    /// clamp to [0, ln 100] when learnable, otherwise reset to ln(FixedLogitScale).
    /// </summary>
    public void ConstrainStudentLogitScale(Tensor studentLogitScale)
    {
        using var noGrad = no_grad();
        // Scalars held through the native call: a temporary one can be finalized while libtorch reads it (see AdamW).
        if (Settings.LearnableStudentScale)
        {
            using var min = 0.0.ToScalar();
            using var max = DistillationSettings.MaxLogitScaleLog.ToScalar();
            studentLogitScale.clamp_(min, max);
        }
        else
        {
            using var value = Math.Log(Settings.FixedLogitScale).ToScalar();
            studentLogitScale.fill_(value);
        }
    }

    private Tensor StudentScale(Tensor? studentLogitScale, Tensor like)
    {
        if (!Settings.LearnableStudentScale)
            return ScaleTensor.Constant(Settings.FixedLogitScale, like);
        if (studentLogitScale is null)
            throw new ArgumentNullException(nameof(studentLogitScale), "LearnableStudentScale needs the student's logit_scale.");
        return studentLogitScale.exp();
    }

    private Tensor TeacherScale(Tensor? teacherLogitScale, Tensor like)
    {
        if (!Settings.UseTeacherOwnScale)
            return ScaleTensor.Constant(Settings.FixedLogitScale, like);
        if (teacherLogitScale is null)
            throw new ArgumentNullException(nameof(teacherLogitScale), "UseTeacherOwnScale needs the teacher's logit_scale.");
        return teacherLogitScale.detach().exp();
    }
}
