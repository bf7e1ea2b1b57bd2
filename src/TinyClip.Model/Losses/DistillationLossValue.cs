using static TorchSharp.torch;

namespace TinyClip.Model.Losses;

/// <summary>
/// One evaluation of the training objective: <see cref="Loss"/> (scalar tensor with autograd graph) and
/// its two parts as plain numbers for logging. <see cref="Distill"/> is NaN when no teacher features were
/// given; both parts are reported even when their weight is 0.
/// </summary>
public sealed record DistillationLossValue(Tensor Loss, double Distill, double Clip);
