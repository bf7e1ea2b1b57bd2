namespace TinyClip.Benchmarks.Harness;

/// <summary>Writes BENCHMARKS.md: the machine, the command, the mode, then one section per benchmark.</summary>
public static class ReportWriter
{
    public static void Write(BenchOptions options, IReadOnlyList<BenchmarkSection> sections, TimeSpan elapsed, (string Text, double OneMinute) loadAtStart)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(options.OutputPath)!);
        using var writer = new StreamWriter(options.OutputPath);
        writer.WriteLine("# Benchmarks");
        writer.WriteLine();
        if (options.Quick)
            writer.WriteLine("> **Quick-mode figures** (`--quick`: small sizes, few repeats). They check that the program runs; " +
                             "they are not the figures to size runs by. Run without `--quick` on a quiet machine for those.");
        else
            writer.WriteLine("> Full-mode figures.");
        double busiest = Math.Max(loadAtStart.OneMinute, MachineInfo.OneMinuteLoad());
        if (busiest > Environment.ProcessorCount)
            writer.WriteLine($">\n> **Busy machine**: the 1-minute load average reached {busiest:F1} on {Environment.ProcessorCount} cores. Other work shared the cores, " +
                             "so these figures carry that noise (wide spreads, ratios off in either direction).");
        writer.WriteLine();
        writer.WriteLine("Every figure is a ratio against a baseline measured side by side in the same run; absolute times hold only for the machine below. " +
                         "Spreads are written `median (min–max)` over the timed repeats (warm-up runs are discarded).");
        writer.WriteLine();
        writer.WriteLine($"- Command: `{options.CommandLine}`");
        writer.WriteLine($"- Taken: {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, {elapsed.TotalMinutes:F1} min in all; timed repeats per measurement: {options.Repeats} unless a section says otherwise");
        foreach (var (name, value) in MachineInfo.Describe()) writer.WriteLine($"- {name}: {value}");
        writer.WriteLine($"- Load average (1 / 5 / 15 min): {loadAtStart.Text} at the start, {MachineInfo.LoadAverage()} at the end (above the core count means other work shared the cores)");
        writer.WriteLine();
        foreach (var section in sections) section.WriteMarkdown(writer);
    }
}
