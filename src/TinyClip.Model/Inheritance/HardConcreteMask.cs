using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyClip.Model;

/// <summary>
/// One family of structured masks with a learnable log-alpha per element (L0 / hard-concrete, the TinyCLIP method
/// section 2). Training draws a stretched, clamped concrete sample (exact zeros and ones occur, so the
/// expected L0 norm is differentiable); evaluation and pruning use <see cref="Deterministic"/>.
/// </summary>
public sealed class HardConcreteMask : IDisposable
{
    public const double Beta = 2.0 / 3.0;
    public const double Gamma = -0.1;
    public const double Zeta = 1.1;
    public const double Epsilon = 1e-6;
    public const double InitialLogAlpha = 10;
    public static readonly double MinLogAlpha = Math.Log(0.01);
    public static readonly double MaxLogAlpha = Math.Log(100);

    /// <summary>-beta * log(-gamma / zeta) = 1.5986: the shift from log-alpha to the logit of P(z &gt; 0).</summary>
    static readonly double NonZeroShift = -Beta * Math.Log(-Gamma / Zeta);

    public HardConcreteMask(string name, long[] shape, double initialLogAlpha = InitialLogAlpha, Device? device = null)
    {
        Name = name;
        LogAlpha = new Parameter(HeldScalarArithmetic.Filled(shape, initialLogAlpha, float32, device));
    }

    /// <summary>Parameter name for optimiser state and checkpoints.</summary>
    public string Name { get; }

    public Parameter LogAlpha { get; }

    public long[] Shape => LogAlpha.shape;

    /// <summary>
    /// A training sample, differentiable in log-alpha: u ~ U(eps, 1-eps), s = sigmoid((logit u + log-alpha) / beta),
    /// z = clamp(s (zeta - gamma) + gamma, 0, 1). The uniforms are drawn on the CPU from <paramref name="generator"/>
    /// whatever the device, so a given seed gives the same masks everywhere (exact resume).
    /// </summary>
    public Tensor Sample(Generator generator)
    {
        using var scope = NewDisposeScope();
        // Scalars held for the whole computation: a temporary one can be finalized while libtorch reads it (see AdamW).
        using var span = (1 - 2 * Epsilon).ToScalar();
        using var epsilon = Epsilon.ToScalar();
        using var one = 1.ToScalar();
        using var beta = Beta.ToScalar();
        using var stretch = (Zeta - Gamma).ToScalar();
        using var gamma = Gamma.ToScalar();
        using var zero = 0.ToScalar();
        var u = rand(Shape, dtype: float32, generator: generator).mul(span).Plus(epsilon).to(LogAlpha.device);
        var s = sigmoid(u.log().sub(u.neg().Plus(one).log()).Plus(LogAlpha).div(beta));
        return s.mul(stretch).Plus(gamma).clamp(zero, one).MoveToOuterDisposeScope();
    }

    /// <summary>P(z &gt; 0) = sigmoid(log-alpha - beta log(-gamma / zeta)), differentiable.</summary>
    public Tensor ProbabilityNonZero()
    {
        using var scope = NewDisposeScope();
        return sigmoid(LogAlpha.Plus(NonZeroShift)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The evaluation / pruning mask: z = sigmoid(1.2 log-alpha), then in each row (the last axis: per layer for
    /// heads and intermediate, the whole vector for hidden) the round(n - sum P(z&gt;0)) smallest entries are set
    /// to 0 (round half to even; ties broken by position, lower first). Kept entries keep their fractional value.
    /// </summary>
    public Tensor Deterministic()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        long n = Shape[^1];
        var soft = sigmoid(LogAlpha.Times(1.2)).to(float32).cpu().contiguous().data<float>().ToArray();
        var probability = ProbabilityNonZero().to(float64).cpu().contiguous().data<double>().ToArray();
        for (long row = 0; row < soft.Length / n; row++)
        {
            long offset = row * n;
            double expectedNonZero = 0;
            for (long i = 0; i < n; i++) expectedNonZero += probability[offset + i];
            long zeros = Math.Clamp((long)Math.Round(n - expectedNonZero, MidpointRounding.ToEven), 0, n);
            var smallestFirst = Enumerable.Range(0, (int)n).OrderBy(i => soft[offset + i]).ThenBy(i => i);
            foreach (var i in smallestFirst.Take((int)zeros)) soft[offset + i] = 0;
        }
        return tensor(soft).view(Shape).to(LogAlpha.dtype, LogAlpha.device).MoveToOuterDisposeScope();
    }

    /// <summary>Keeps log-alpha in [ln 0.01, ln 100]; call after every optimiser step.</summary>
    public void Clamp()
    {
        using var _ = no_grad();
        using var min = MinLogAlpha.ToScalar(); // held: see Sample
        using var max = MaxLogAlpha.ToScalar();
        LogAlpha.clamp_(min, max);
    }

    /// <summary>Overwrites log-alpha (no gradient), e.g. to seed a chained stage.</summary>
    public void Set(Tensor logAlpha)
    {
        using var _ = no_grad();
        LogAlpha.copy_(logAlpha);
    }

    public void Dispose() => LogAlpha.Dispose();
}
