namespace TinyClip.Model.Losses;

/// <summary>
/// How the training loss <c>L = Alpha*Weight*L_distill + (1-Alpha)*Weight*L_clip</c> is formed.
/// </summary>
/// <param name="Alpha">Share of affinity mimicking; 1 = pure mimicking (default), 0 = ground-truth CLIP
/// loss only (teacher pre-training: no teacher features needed).</param>
/// <param name="Weight">Overall loss weight w.</param>
/// <param name="FixedLogitScale">The scale used wherever a scale is not learnable (default 50).</param>
/// <param name="LearnableStudentScale">Use exp(student logit_scale) and let it learn; after each optimiser
/// step it is clamped to [0, ln 100]. When false the student uses <paramref name="FixedLogitScale"/> and
/// its logit_scale is reset to ln(FixedLogitScale) after each step.</param>
/// <param name="UseTeacherOwnScale">Use exp(teacher logit_scale) for the teacher affinities instead of
/// <paramref name="FixedLogitScale"/>.</param>
public sealed record DistillationSettings(
    double Alpha = 1.0,
    double Weight = 1.0,
    double FixedLogitScale = AffinityMimickingLoss.DefaultScale,
    bool LearnableStudentScale = false,
    bool UseTeacherOwnScale = false)
{
    /// <summary>Upper clamp of a learnable log scale (scale 100), as in OpenCLIP.</summary>
    public static readonly double MaxLogitScaleLog = Math.Log(100.0);
}
