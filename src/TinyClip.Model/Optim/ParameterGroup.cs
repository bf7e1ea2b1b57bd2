using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyClip.Model.Optim;

/// <summary>Named parameters that share a weight-decay rule.</summary>
public sealed record ParameterGroup(string Name, IReadOnlyList<(string Name, Parameter Parameter)> Parameters, double WeightDecay)
{
    /// <summary>
    /// Splits parameters as the reference work does: no decay for 1-D tensors (LayerNorm, biases, embeddings
    /// of class token), nor for logit_scale; decay for the rest (matrices, convolutions, embeddings tables).
    /// </summary>
    public static IReadOnlyList<ParameterGroup> DecayAndNoDecay(IEnumerable<(string Name, Parameter Parameter)> parameters, double weightDecay)
    {
        var decay = new List<(string, Parameter)>();
        var noDecay = new List<(string, Parameter)>();
        foreach (var (name, parameter) in parameters)
        {
            if (!parameter.requires_grad) continue;
            bool exempt = parameter.dim() < 2 || name.Contains("ln_") || name.Contains("ln_final")
                || name.EndsWith(".bias") || name.EndsWith("logit_scale");
            (exempt ? noDecay : decay).Add((name, parameter));
        }
        return new[] { new ParameterGroup("decay", decay, weightDecay), new ParameterGroup("no_decay", noDecay, 0.0) };
    }
}
