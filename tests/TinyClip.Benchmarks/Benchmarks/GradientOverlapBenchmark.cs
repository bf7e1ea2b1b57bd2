using TinyClip.Benchmarks.Harness;
using TinyClip.Model;

namespace TinyClip.Benchmarks.Benchmarks;

/// <summary>
/// Step time with the overlapped gradient exchange (the text tower's gradients summed while the image tower's backward
/// runs, then the image tower's) against one exchange after the whole backward, for 2 and 3 trainer processes connected
/// as cluster mode connects nodes: the processes and steps of <see cref="ScalingBenchmark"/>, the two settings alternating.
/// </summary>
public sealed class GradientOverlapBenchmark : IBenchmark
{
    private const string Preset = "demo-student";
    private const int GlobalBatch = 48;
    private static readonly int[] Processes = { 2, 3 };

    public string Name => "overlap";

    public async Task<BenchmarkSection> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        int warmUps = options.Pick(2, 3), steps = options.Pick(4, 12), repeats = options.Pick(1, Math.Min(5, options.Repeats));
        var (text, imageAndScale) = Buckets();
        var section = new BenchmarkSection("15. Overlapped gradient exchange (2 and 3 trainer processes)",
            $"The set-up of section 6 ({Preset}, global batch {GlobalBatch}, W processes with one `TrainerCore` each on one libtorch thread, " +
            "`HierarchicalCollectiveGroup` over `NodeExchange` on 127.0.0.1, random batches made before timing). *Serial*: " +
            "`training.overlap-gradient-exchange = off`, one all-reduce of every gradient after the whole backward pass. *Overlapped*: on, " +
            $"the backward pass runs tower by tower; bucket 1 = the text tower's gradients ({text:N0} floats, {text * 4 / 1e6:F1} MB) is summed on " +
            $"an exchange thread while the image tower's backward runs; bucket 2 = the image tower and the logit scale ({imageAndScale:N0} floats, " +
            $"{imageAndScale * 4 / 1e6:F1} MB) after it. Node leaders send to all peers at once in both. {warmUps} warm-up steps, then {steps} timed " +
            $"steps timed on rank 0, median per run; {repeats} repeat(s), the two settings alternating; ratio overlapped / serial per repeat (below 1 = faster).")
            .Columns("trainer processes W", "serial s/step", "overlapped s/step", "overlapped / serial");
        foreach (var processes in Processes)
        {
            var serial = new List<double>();
            var overlapped = new List<double>();
            for (int r = 0; r < repeats; r++)
            {
                foreach (var (overlap, results) in new[] { (false, serial), (true, overlapped) })
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    Console.WriteLine($"  {processes} process(es), {(overlap ? "overlapped" : "serial")}");
                    var arguments = new[] { Preset, GlobalBatch.ToString(), warmUps.ToString(), steps.ToString() }
                        .Concat(overlap ? new[] { ScalingBenchmark.OverlapArgument } : []);
                    var lines = await CollectiveNodes.RunAsync(processes, ScalingBenchmark.JobName, arguments, TimeSpan.FromMinutes(10), cancellationToken);
                    results.Add(Spread.Of(lines.Select(l => l[0])).Median);
                }
            }
            section.Row(processes.ToString(), Spread.Of(serial).Format("F3"), Spread.Of(overlapped).Format("F3"),
                Spread.Of(overlapped.Zip(serial, (o, s) => o / s)).Format("F3"));
        }
        section.Note($"This machine has {Environment.ProcessorCount} cores: the exchange thread of each process competes with its trainer for them, " +
                     "so what overlapping can hide here is bounded by the idle time of the cores (see section 6).");
        return section;
    }

    /// <summary>Floats in the two buckets of the preset's student: the text tower, and the image tower with the logit scale.</summary>
    private static (long Text, long ImageAndScale) Buckets()
    {
        using var model = ClipModel.Create(ClipPresets.Get(Preset), seed: 0);
        var (image, text) = model.ParameterCounts();
        return (text, image + 1);
    }
}
