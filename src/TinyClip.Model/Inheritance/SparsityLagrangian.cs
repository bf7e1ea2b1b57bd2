using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyClip.Model;

/// <summary>
/// The Lagrangian that drives the expected sparsity p towards the target q. Its multipliers are learnt by
/// gradient *ascent* (negate their gradient, then take an ordinary optimiser step): while p falls short of q
/// the term's gradient in lambda1 is positive, so the multipliers grow and the masks are pushed harder.
/// </summary>
public sealed class SparsityLagrangian : IDisposable
{
    public const double InitialLambda = 10;

    public SparsityLagrangian(LagrangianForm form = LagrangianForm.Hinged, double initialLambda = InitialLambda, Device? device = null)
    {
        Form = form;
        Lambda1 = new Parameter(tensor(initialLambda, dtype: float32, device: device));
        Lambda2 = new Parameter(tensor(initialLambda, dtype: float32, device: device));
    }

    public LagrangianForm Form { get; }
    public Parameter Lambda1 { get; }
    public Parameter Lambda2 { get; }

    /// <summary>The term to add to the loss for expected sparsity <paramref name="expectedSparsity"/> (a scalar with graph) and target q.</summary>
    public Tensor Term(Tensor expectedSparsity, double target)
    {
        using var scope = NewDisposeScope();
        var gap = Form == LagrangianForm.Hinged
            ? expectedSparsity.SubtractedFrom(target).AtLeast(0)
            : expectedSparsity.Minus(target);
        return (Lambda1 * gap).Plus(Lambda2 * gap.Squared()).MoveToOuterDisposeScope();
    }

    /// <summary>Sets both multipliers (a new stage restarts them).</summary>
    public void Reset(double value = InitialLambda)
    {
        using var _ = no_grad();
        Lambda1.FillInPlace(value);
        Lambda2.FillInPlace(value);
    }

    public void Dispose()
    {
        Lambda1.Dispose();
        Lambda2.Dispose();
    }
}
