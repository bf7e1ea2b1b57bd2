using static TorchSharp.torch;

namespace TinyClip.Model;

/// <summary>
/// Leading slices of OpenCLIP parameters, the common ground of manual inheritance (take the slice) and
/// chaining auto stages (put a pruned tensor back into the slice). Every axis is cut from the front, in the
/// parameter's structured view: the packed <c>in_proj</c> is seen as (3, H, head_dim, C) (its bias as
/// (3, H, head_dim)) so that whole heads of q, k and v are kept together; every other tensor is its own view.
/// </summary>
public static class LeadingSlice
{
    /// <summary>The shape in which leading slices of <paramref name="name"/> are taken.</summary>
    public static long[] StructuredView(string name, long[] shape, int headWidth)
    {
        if (name.EndsWith(".attn.in_proj_weight", StringComparison.Ordinal))
            return [3, shape[0] / (3L * headWidth), headWidth, shape[1]];
        if (name.EndsWith(".attn.in_proj_bias", StringComparison.Ordinal))
            return [3, shape[0] / (3L * headWidth), headWidth];
        return shape;
    }

    /// <summary>A contiguous copy of the leading <paramref name="targetShape"/> slice of <paramref name="source"/>.</summary>
    public static Tensor Take(Tensor source, string name, long[] targetShape, int headWidth)
    {
        using var scope = NewDisposeScope();
        var region = Region(source, name, targetShape, headWidth);
        return region.reshape(targetShape).contiguous().clone().MoveToOuterDisposeScope();
    }

    /// <summary>Copies <paramref name="part"/> into the leading slice of <paramref name="destination"/> (in place).</summary>
    public static void Put(Tensor destination, string name, Tensor part, int headWidth)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var region = Region(destination, name, part.shape, headWidth);
        region.copy_(part.view(StructuredView(name, part.shape, headWidth)));
    }

    static Tensor Region(Tensor full, string name, long[] partShape, int headWidth)
    {
        var fullView = StructuredView(name, full.shape, headWidth);
        var partView = StructuredView(name, partShape, headWidth);
        if (fullView.Length != partView.Length || fullView.Zip(partView).Any(p => p.Second > p.First))
            throw new ArgumentException($"{name}: [{string.Join(", ", partShape)}] is not a leading slice of [{string.Join(", ", full.shape)}]");
        var region = full.view(fullView);
        for (int axis = 0; axis < partView.Length; axis++)
            region = region.narrow(axis, 0, partView[axis]);
        return region;
    }
}
