using System.Reflection;
using TinyClip.Actors.Training;
using TinyClip.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace TinyClip.Cli.Tests;

/// <summary>
/// TorchSharp 0.107 hands a <see cref="Scalar"/> to libtorch as a bare handle and does not keep the object alive
/// through the native call, so a temporary Scalar can be finalized, and freed, while libtorch reads it: the call then
/// fails in c10's <c>Scalar::toFloat</c> or, worse, computes with whatever the freed memory holds, and two identical
/// runs train different weights, rarely and only under load. Temporaries come from product code (an implicit
/// conversion such as <c>t * 0.5</c>) and from TorchSharp itself (the alpha of <c>add(t)</c>, the exponent of
/// <c>square()</c>, the step of <c>arange(a, b)</c>, BatchNorm's batch counter). Product code therefore holds every
/// Scalar it passes (<c>using var s = x.ToScalar()</c>, or <see cref="HeldScalarArithmetic"/>) and avoids the TorchSharp
/// methods that make their own. This test reads the IL of every method in the assemblies that call libtorch, follows
/// the calls into TorchSharp (and the <c>forward</c> of every TorchSharp module type they hold), and fails naming each
/// product method that reaches a temporary Scalar.
/// </summary>
public sealed class HeldScalarGuardTests
{
    private const BindingFlags Everything = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    /// <summary>How deep calls are followed inside TorchSharp: its public methods reach libtorch within a few calls.</summary>
    private const int TorchSharpDepth = 6;

    private static readonly Assembly TorchSharpAssembly = typeof(Scalar).Assembly;

    [Fact]
    public void No_product_method_passes_libtorch_a_temporary_scalar()
    {
        var product = new[] { typeof(ClipModel).Assembly, typeof(TrainerCore).Assembly, typeof(CheckpointModel).Assembly };
        var methods = product.SelectMany(a => a.GetTypes()).SelectMany(t => t.GetMethods(Everything).Cast<MethodBase>().Concat(t.GetConstructors(Everything)));
        var offenders = methods.SelectMany(m => TemporaryScalars(m).Select(where => $"{m.DeclaringType!.FullName}.{m.Name}: {where}"))
            .Concat(product.SelectMany(a => a.GetTypes()).SelectMany(HeldModuleTypes).Distinct()
                .SelectMany(module => Forwards(module).SelectMany(f => MakersReachedFrom(f).Select(maker => $"a {module.Name} field: forward reaches {maker}"))))
            .Distinct().Order().ToList();
        Assert.True(offenders.Count == 0, "temporary Scalars passed to libtorch:\n" + string.Join("\n", offenders));
    }

    [Fact]
    public void The_guard_recognises_each_kind_of_temporary_scalar()
    {
        var found = TemporaryScalars(typeof(HeldScalarGuardTests).GetMethod(nameof(OffendingExamples), Everything)!).ToList();
        Assert.Equal(3, found.Count(f => f.StartsWith("converts a number", StringComparison.Ordinal))); // 0.5, 0 and 4
        foreach (var call in new[] { " op_Multiply(Tensor, Double)", " op_Addition(Tensor, Tensor)", " square()", " arange(" })
            Assert.Contains(found, f => f.StartsWith("calls ", StringComparison.Ordinal) && f.Contains(call, StringComparison.Ordinal));
        Assert.Empty(TemporaryScalars(typeof(HeldScalarGuardTests).GetMethod(nameof(HeldExamples), Everything)!));
        Assert.Contains(Forwards(typeof(TorchSharp.Modules.BatchNorm2d)), f => MakersReachedFrom(f).Any());
        Assert.Empty(TemporaryScalars(typeof(HeldBatchNorm2d).GetMethod(nameof(HeldBatchNorm2d.forward))!));
    }

    private static void OffendingExamples(Tensor t)
    {
        _ = t.mul(0.5);          // op_Implicit(double) here
        _ = t * 2.0;             // TorchSharp converts inside the operator
        _ = t + t;               // TorchSharp's alpha of 1
        _ = t.square();          // TorchSharp's exponent of 2
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
        _ = t.Squared();
        _ = arange(start, stop, step);
    }

    /// <summary>Where <paramref name="method"/> makes, or calls TorchSharp to make, a Scalar it does not hold.</summary>
    private static IEnumerable<string> TemporaryScalars(MethodBase method)
    {
        foreach (var callee in Callees(method))
        {
            if (callee.DeclaringType == typeof(Scalar) && callee.Name == "op_Implicit") yield return $"converts a number to a Scalar ({callee})";
            else if (callee.DeclaringType?.Assembly == TorchSharpAssembly)
                foreach (var maker in MakersReachedFrom(callee)) yield return $"calls {callee.DeclaringType.Name}.{callee}, which reaches {maker}";
        }
    }

    /// <summary>TorchSharp methods reachable from <paramref name="entry"/> (itself included) that make a Scalar and never dispose one.</summary>
    private static IEnumerable<string> MakersReachedFrom(MethodBase entry)
    {
        var seen = new HashSet<MethodBase>();
        var frontier = new List<MethodBase> { entry };
        for (int depth = 0; depth <= TorchSharpDepth && frontier.Count > 0; depth++)
        {
            var next = new List<MethodBase>();
            foreach (var method in frontier.Where(m => m.DeclaringType?.Assembly == TorchSharpAssembly && seen.Add(m)))
            {
                var callees = Callees(method).ToList();
                bool makes = callees.Any(c => (c.DeclaringType == typeof(Scalar) && c.Name == "op_Implicit") || c.Name == "ToScalar");
                bool disposes = callees.Any(c => c.DeclaringType == typeof(Scalar) && c.Name == "Dispose");
                if (makes && !disposes) yield return $"{method.DeclaringType!.Name}.{method}";
                next.AddRange(callees);
            }
            frontier = next;
        }
    }

    /// <summary>TorchSharp module types a product type holds in its fields (their <c>forward</c> is called virtually, so
    /// the IL of the caller does not name it; product module types are product methods, read anyway).</summary>
    private static IEnumerable<Type> HeldModuleTypes(Type type) =>
        type.GetFields(Everything).Select(f => f.FieldType)
            .Where(t => t.Assembly == TorchSharpAssembly && t.IsSubclassOf(typeof(TorchSharp.torch.nn.Module)));

    private static IEnumerable<MethodBase> Forwards(Type module) =>
        module.GetMethods(BindingFlags.Public | BindingFlags.Instance).Where(m => m.Name == "forward" && !m.IsAbstract);

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
}
