using TorchSharp;
using static TorchSharp.torch;

namespace TinyClip.Model;

/// <summary>
/// Tensor arithmetic with numbers, through Scalars that stay alive until libtorch has read them. TorchSharp 0.107
/// passes a Scalar to libtorch as a bare handle and does not keep the object alive through the native call, so a
/// temporary one (an implicit conversion such as <c>t * 0.5</c>, <c>t - 1</c> or <c>arange(a, b)</c>, or the alpha of 1
/// that <c>add</c> without one and the <c>+</c> operator make themselves) can be finalized, and freed, while libtorch
/// reads it: the call then fails with c10's "Expected false to be true" from <c>Scalar::toFloat</c>, or computes with
/// whatever the freed memory holds, so that two identical runs train different weights, rarely and only under load.
/// Product code uses these instead (a test reads every product method's IL for temporary Scalars); each computes the
/// same libtorch operation as the operator it replaces, so values are bitwise the operators'.
/// </summary>
public static class HeldScalarArithmetic
{
    // A static root: never finalized. Scalars are immutable, so every thread may share it.
    private static readonly Scalar One = 1.ToScalar();

    public static Tensor Plus(this Tensor left, Tensor right) => left.add(right, One);

    public static Tensor Plus(this Tensor left, Scalar right) => left.add(right, One);

    public static Tensor Plus(this Tensor left, double right) => Held(right, value => left.add(value, One));

    public static Tensor PlusInPlace(this Tensor left, Scalar right) => left.add_(right, One);

    /// <summary>Adds 1 in place (an integer tensor stays integer).</summary>
    public static Tensor IncrementInPlace(this Tensor tensor) => tensor.add_(One, One);

    /// <summary>The value of a one-element tensor as a double; TorchSharp's <c>ToDouble()</c> goes through a temporary Scalar.</summary>
    public static double AsDouble(this Tensor scalar) => scalar.to_type(ScalarType.Float64).item<double>();

    /// <summary>The element-wise square as <c>t * t</c>, which is what libtorch computes for <c>pow(t, 2)</c>; TorchSharp's
    /// <c>square()</c> passes a temporary Scalar exponent.</summary>
    public static Tensor Squared(this Tensor tensor) => tensor.mul(tensor);

    public static Tensor Minus(this Tensor left, double right) => Held(right, left.sub);

    /// <summary>Integer subtraction: an integer tensor stays integer.</summary>
    public static Tensor Minus(this Tensor left, long right) => Held(right.ToScalar(), left.sub);

    /// <summary><paramref name="left"/> - <paramref name="right"/>, computed as -right + left like TorchSharp's operator.</summary>
    public static Tensor SubtractedFrom(this Tensor right, double left) => Held(left, value => right.neg().add(value, One));

    public static Tensor Times(this Tensor left, double right) => Held(right, left.mul);

    public static Tensor DividedBy(this Tensor left, double right) => Held(right, value => left.div(value));

    public static Tensor AtLeast(this Tensor tensor, double minimum) => Held(minimum, tensor.clamp_min);

    public static Tensor NotEqualTo(this Tensor tensor, double other) => Held(other, tensor.ne);

    public static Tensor LessThan(this Tensor tensor, long other) => Held(other.ToScalar(), tensor.lt);

    public static Tensor FillInPlace(this Tensor tensor, double value) => Held(value, tensor.fill_);

    /// <summary>A tensor of <paramref name="shape"/> filled with <paramref name="value"/>.</summary>
    public static Tensor Filled(long[] shape, double value, ScalarType dtype, Device? device = null) =>
        Held(value, held => full(shape, held, dtype, device));

    /// <summary>start, start + 1, ..., stop - 1 as int64.</summary>
    public static Tensor Int64Range(long start, long stop, Device device)
    {
        using var first = start.ToScalar();
        using var end = stop.ToScalar();
        return arange(first, end, One, ScalarType.Int64, device);
    }

    private static Tensor Held(double value, Func<Scalar, Tensor> operation) => Held(value.ToScalar(), operation);

    /// <summary>Runs <paramref name="operation"/> with <paramref name="scalar"/> and disposes it afterwards: the
    /// disposal keeps it reachable until the native call has returned.</summary>
    private static Tensor Held(Scalar scalar, Func<Scalar, Tensor> operation)
    {
        using (scalar) return operation(scalar);
    }
}
