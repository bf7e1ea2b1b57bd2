using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyClip.Model.Optim;

public static class GradientClipping
{
    /// <summary>Scales all gradients so that their global L2 norm is at most <paramref name="maxNorm"/>; returns the norm before clipping.</summary>
    public static double ClipGlobalNorm(IEnumerable<Parameter> parameters, double maxNorm)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var grads = parameters.Select(p => p.grad).Where(g => g is not null).Select(g => g!).ToList();
        if (grads.Count == 0) return 0;
        double total = Math.Sqrt(grads.Sum(g => g.to_type(ScalarType.Float64).Squared().sum().item<double>()));
        double coefficient = maxNorm / (total + 1e-6);
        if (maxNorm > 0 && coefficient < 1)
        {
            using var scale = coefficient.ToScalar(); // held: a temporary Scalar can be finalized during the native call (see AdamW)
            foreach (var g in grads) g.mul_(scale);
        }
        return total;
    }
}
