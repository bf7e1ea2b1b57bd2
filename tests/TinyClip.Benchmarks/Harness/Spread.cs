namespace TinyClip.Benchmarks.Harness;

/// <summary>Min / median / max of repeated measurements of one quantity.</summary>
public sealed record Spread(double Min, double Median, double Max, int Count)
{
    public static Spread Of(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        if (sorted.Length == 0) throw new ArgumentException("no measurements");
        int n = sorted.Length;
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        return new Spread(sorted[0], median, sorted[^1], n);
    }

    /// <summary>"median (min–max)" with the given number format.</summary>
    public string Format(string format) => Count == 1
        ? Median.ToString(format)
        : $"{Median.ToString(format)} ({Min.ToString(format)}–{Max.ToString(format)})";
}
