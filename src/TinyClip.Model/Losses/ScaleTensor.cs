using static TorchSharp.torch;

namespace TinyClip.Model.Losses;

/// <summary>Turns a fixed logit scale into a 0-d tensor with the dtype and device of the features it multiplies.</summary>
internal static class ScaleTensor
{
    public static Tensor Constant(double scale, Tensor like) => tensor(scale, dtype: like.dtype, device: like.device);
}
