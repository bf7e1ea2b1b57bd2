using TorchSharp;
using static TorchSharp.torch;

namespace TinyClip.Model;

/// <summary>
/// Seeded in-place initialisers. Every draw goes through an explicit <see cref="Generator"/> so that
/// creating a model is reproducible even while other threads use torch's global generator.
/// (TorchSharp 0.107's nn.init functions accept a generator but ignore it; Tensor.normal_/uniform_ honour it.)
/// </summary>
internal static class ParameterInit
{
    public static void Normal(Tensor t, double std, Generator g)
    {
        using var _ = no_grad();
        t.normal_(0, std, g);
    }

    public static void Uniform(Tensor t, double bound, Generator g)
    {
        using var _ = no_grad();
        t.uniform_(-bound, bound, g);
    }

    public static void Zeros(Tensor t)
    {
        using var _ = no_grad();
        t.zero_();
    }

    /// <summary>PyTorch's default for Linear/Conv (kaiming_uniform with a=sqrt(5)): U(+-1/sqrt(fan_in)).</summary>
    public static void FanInUniform(Tensor t, long fanIn, Generator g) => Uniform(t, 1.0 / Math.Sqrt(fanIn), g);

    /// <summary>PyTorch's default for a convolution's weight: fan-in = input channels x kernel area.</summary>
    public static void ConvolutionDefault(TorchSharp.Modules.Conv2d conv, Generator g) =>
        FanInUniform(conv.weight!, conv.weight!.shape.Skip(1).Aggregate(1L, (a, b) => a * b), g);

    /// <summary>xavier_uniform over a whole 2-D weight, as nn.MultiheadAttention does for in_proj_weight.</summary>
    public static void XavierUniform(Tensor t, Generator g) => Uniform(t, Math.Sqrt(6.0 / (t.shape[0] + t.shape[1])), g);
}
