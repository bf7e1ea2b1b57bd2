namespace TinyClip.Model.Evaluation;

/// <summary>Zero-shot classification accuracy (fractions in [0, 1]) over <paramref name="Count"/> images.</summary>
public sealed record ZeroShotResult(double Top1, double Top5, long Count)
{
    /// <summary>Accuracy over the union of two disjoint evaluation batches (count-weighted).</summary>
    public static ZeroShotResult Combine(ZeroShotResult a, ZeroShotResult b)
    {
        var count = a.Count + b.Count;
        if (count == 0)
            return a;
        return new ZeroShotResult(
            (a.Top1 * a.Count + b.Top1 * b.Count) / count,
            (a.Top5 * a.Count + b.Top5 * b.Count) / count,
            count);
    }
}
