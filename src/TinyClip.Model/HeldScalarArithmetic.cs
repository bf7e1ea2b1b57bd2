using TorchSharp;
using static TorchSharp.torch;

namespace TinyClip.Model;

/// <summary>
/// Addition whose alpha is a Scalar that is never collected. TorchSharp 0.107's <c>add</c>/<c>add_</c> without an alpha
/// (and the <c>+</c> operator) pass a temporary <c>Scalar(1)</c> as a bare handle; the
/// garbage collector may finalize, and so free, it while libtorch reads it: the step then fails with c10's "Expected
/// false to be true" from <c>Scalar::toFloat</c>, or computes with whatever the freed memory holds. Code on the training
/// path uses these instead; values are the same as the operators' (alpha 1).
/// </summary>
public static class HeldScalarArithmetic
{
    // A static root: never finalized. Scalars are immutable, so every thread may share it.
    private static readonly Scalar One = 1.ToScalar();

    public static Tensor Plus(this Tensor left, Tensor right) => left.add(right, One);

    public static Tensor Plus(this Tensor left, Scalar right) => left.add(right, One);

    public static Tensor PlusInPlace(this Tensor left, Scalar right) => left.add_(right, One);
}
