using System.Diagnostics;

namespace TinyClip.Benchmarks.Harness;

/// <summary>The timing harness: warm-up runs that are thrown away, then timed repeats.</summary>
public static class Stopwatches
{
    /// <summary>Seconds of each timed repeat of <paramref name="action"/>, after <paramref name="warmUps"/> untimed runs.</summary>
    public static double[] Repeat(int warmUps, int repeats, Action action)
    {
        for (int i = 0; i < warmUps; i++) action();
        var seconds = new double[repeats];
        for (int i = 0; i < repeats; i++) seconds[i] = Time(action);
        return seconds;
    }

    public static double Time(Action action)
    {
        var clock = Stopwatch.StartNew();
        action();
        return clock.Elapsed.TotalSeconds;
    }

    public static async Task<double> TimeAsync(Func<Task> action)
    {
        var clock = Stopwatch.StartNew();
        await action();
        return clock.Elapsed.TotalSeconds;
    }
}
