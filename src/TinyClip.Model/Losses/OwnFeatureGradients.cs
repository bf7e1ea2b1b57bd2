using static TorchSharp.torch;

namespace TinyClip.Model.Losses;

/// <summary>
/// dL/dF for one trainer's own rows (image and text features) and, when the student's logit scale is learnable, dL/dscale
/// (zeros except on the trainer holding row 0, so that the gradient sum counts it once).
/// </summary>
public sealed record OwnFeatureGradients(Tensor Image, Tensor Text, Tensor? Scale)
{
    /// <summary>Adds the scale's gradient to the logit-scale parameter's .grad (backward on a leaf accumulates).</summary>
    public void AccumulateScale(Tensor? studentLogitScale)
    {
        if (Scale is null) return;
        autograd.backward([studentLogitScale ?? throw new ArgumentNullException(nameof(studentLogitScale))], [Scale]);
    }
}
