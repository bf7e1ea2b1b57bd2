using TorchSharp;
using static TorchSharp.torch;

namespace TinyClip.Model.Tests.Losses;

/// <summary>Checks an autograd gradient (already in <c>x.grad</c>) against central differences in float64.</summary>
internal static class FiniteDifferences
{
    private const double Step = 1e-6;
    private const double Tolerance = 1e-7;

    public static void AssertGradient(Tensor x, Func<Tensor, Tensor> loss)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Assert.NotNull(x.grad);
        var analytic = x.grad!.flatten().data<double>().ToArray();
        var point = x.detach().clone().flatten();
        for (var i = 0; i < analytic.Length; i++)
        {
            var plus = point.clone();
            plus[i] = plus[i] + Step;
            var minus = point.clone();
            minus[i] = minus[i] - Step;
            var numeric = (loss(plus.reshape(x.shape)).item<double>() - loss(minus.reshape(x.shape)).item<double>()) / (2 * Step);
            Assert.True(Math.Abs(numeric - analytic[i]) < Tolerance,
                $"element {i}: autograd {analytic[i]}, finite differences {numeric}");
        }
    }
}
