using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyClip.Model;

/// <summary>
/// PyTorch's BatchNorm2d (eps 1e-5, momentum 0.1, affine, running statistics; the same state-dict names) whose
/// training forward counts the batch with held Scalars: TorchSharp's own <c>BatchNorm.forward</c> adds a temporary
/// Scalar of 1 to <c>num_batches_tracked</c>, which can be freed while libtorch reads it (see
/// <see cref="HeldScalarArithmetic"/>).
/// </summary>
public sealed class HeldBatchNorm2d(long features)
    : BatchNorm(features, eps: 1e-5, momentum: 0.1, affine: true, track_running_stats: true, device: null, dtype: null, name: "BatchNorm2d")
{
    protected override void ValidateInputDimensions(Tensor input)
    {
        if (input.ndim != 4) throw new ArgumentException($"expected 4D input, but got {input.ndim}D input.");
    }

    public override Tensor forward(Tensor input)
    {
        ValidateInputDimensions(input);
        if (training) num_batches_tracked!.IncrementInPlace();
        return nn.functional.batch_norm(input, running_mean, running_var, weight, bias, training, momentum!.Value, eps);
    }
}
