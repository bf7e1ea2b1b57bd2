using System.Reflection;
using TinyClip.Actors.Training;
using TinyClip.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace TinyClip.Cli.Tests;

/// <summary>
/// TorchSharp 0.107 hands a <see cref="Scalar"/> to libtorch as a bare handle and does not keep the object alive
/// through the native call, so a temporary Scalar (an implicit conversion such as <c>t * 0.5</c> or
/// <c>arange(a, b)</c>, or one TorchSharp makes itself, like the alpha of <c>add(t)</c>) can be finalized, and freed,
/// while libtorch reads it: the call then fails in c10's <c>Scalar::toFloat</c> or, worse, computes with whatever the
/// freed memory holds, and two identical runs train different weights, rarely and only under load. Product code
/// therefore holds every Scalar it passes (<c>using var s = x.ToScalar()</c>, or <see cref="HeldScalarArithmetic"/>).
/// This test reads the IL of every method in the assemblies that call libtorch and fails naming each call that makes
/// a temporary one.
/// </summary>
public sealed class HeldScalarGuardTests
{
    private const BindingFlags Everything = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    [Fact]
    public void No_product_method_passes_libtorch_a_temporary_scalar()
    {
        var product = new[] { typeof(ClipModel).Assembly, typeof(TrainerCore).Assembly, typeof(CheckpointModel).Assembly };
        var offenders = product.SelectMany(a => a.GetTypes()).SelectMany(t => t.GetMethods(Everything).Cast<MethodBase>().Concat(t.GetConstructors(Everything)))
            .SelectMany(m => Callees(m).Where(MakesTemporaryScalar).Select(c => $"{m.DeclaringType!.FullName}.{m.Name} calls {c.DeclaringType!.Name}.{c}"))
            .Distinct().Order().ToList();
        Assert.True(offenders.Count == 0, "temporary Scalars passed to libtorch:\n" + string.Join("\n", offenders));
    }

    [Fact]
    public void The_guard_recognises_each_kind_of_temporary_scalar()
    {
        var offending = Callees(typeof(HeldScalarGuardTests).GetMethod(nameof(OffendingExamples), Everything)!).Where(MakesTemporaryScalar).Select(c => c.Name).ToList();
        Assert.Equal(["op_Implicit", "op_Multiply", "op_Addition", "add", "op_Implicit", "op_Implicit", "arange"], offending);
        Assert.DoesNotContain(Callees(typeof(HeldScalarGuardTests).GetMethod(nameof(HeldExamples), Everything)!), MakesTemporaryScalar);
    }

    private static void OffendingExamples(Tensor t)
    {
        _ = t.mul(0.5);          // op_Implicit(double)
        _ = t * 2.0;             // TorchSharp converts inside the operator
        _ = t + t;               // TorchSharp's alpha of 1
        _ = t.add(t);            // the same, by name
        _ = arange(0, 4);        // two conversions here and TorchSharp's step of 1
    }

    private static void HeldExamples(Tensor t)
    {
        using var half = 0.5.ToScalar();
        using var start = 0.ToScalar();
        using var stop = 4.ToScalar();
        using var step = 1.ToScalar();
        _ = t.mul(half);
        _ = t * t;
        _ = t.Plus(t);
        _ = arange(start, stop, step);
    }

    /// <summary>Methods a method calls (call, callvirt, newobj), read from its IL.</summary>
    private static IEnumerable<MethodBase> Callees(MethodBase method)
    {
        byte[]? il;
        try { il = method.GetMethodBody()?.GetILAsByteArray(); }
        catch (Exception e) when (e is InvalidOperationException or BadImageFormatException) { yield break; }
        if (il is null) yield break;
        var typeArguments = method.DeclaringType is { IsGenericType: true } type ? type.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (int i = 0; i + 4 < il.Length; i++)
        {
            // call, callvirt, newobj followed by a method token (MethodDef 0x06, MemberRef 0x0A, MethodSpec 0x2B). A
            // byte of some other operand can look like this too; a token that does not resolve to a method is skipped.
            if (il[i] is not (0x28 or 0x6F or 0x73) || il[i + 4] is not (0x06 or 0x0A or 0x2B)) continue;
            MethodBase? callee;
            try { callee = method.Module.ResolveMethod(BitConverter.ToInt32(il, i + 1), typeArguments, methodArguments); }
            catch (Exception e) when (e is ArgumentException or BadImageFormatException) { continue; }
            if (callee is not null) yield return callee;
        }
    }

    private static bool MakesTemporaryScalar(MethodBase callee)
    {
        var declaring = callee.DeclaringType;
        if (declaring is null || declaring.Assembly != typeof(Scalar).Assembly) return false;
        var parameters = callee.GetParameters().Select(p => p.ParameterType).ToList();
        if (declaring == typeof(Scalar)) return callee.Name == "op_Implicit";
        // Operators taking a number convert it inside TorchSharp; + and binary - with a Scalar on the left add with a
        // temporary alpha.
        if (callee.Name.StartsWith("op_", StringComparison.Ordinal) && parameters.Count == 2)
            return parameters.Any(p => p.IsPrimitive || p == typeof(Scalar)) || callee.Name == "op_Addition";
        // TorchSharp fills in a Scalar of its own: add/add_ without alpha, addcdiv without value, arange without step.
        return callee.Name switch
        {
            "add" or "add_" => parameters.Count == 1,
            "addcdiv" or "addcdiv_" => parameters.Count == 2,
            "arange" => parameters.Count(p => p == typeof(Scalar)) < 3,
            _ => false,
        };
    }
}
