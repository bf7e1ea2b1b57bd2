using TinyClip.Benchmarks.Harness;
using TinyClip.Data.Manifest;
using TinyClip.Data.Quarantine;
using TinyClip.Data.Settings;
using TinyClip.Data.Writing;

namespace TinyClip.Benchmarks.Benchmarks;

/// <summary>
/// Building the training manifest from many small shards with footers read one at a time or in parallel, each open
/// delayed as on a network filesystem (and once without delay: the CPU side on this machine).
/// </summary>
public sealed class ManifestBenchmark : IBenchmark
{
    private static readonly TimeSpan OpenLatency = TimeSpan.FromMilliseconds(2);
    private static readonly int[] ParallelReads = [1, 16, 64];

    public string Name => "manifest";

    public async Task<BenchmarkSection> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        int shards = options.Pick(1000, 5000);
        var section = new BenchmarkSection("10. Manifest build (parallel footer reads)",
            $"{shards} img2dataset shards of 2 tiny rows each (one written by `Img2DatasetWriter`, then copied), in the page cache. " +
            "`DatasetManifest.BuildAsync` over the folder with `parallel-reads` 1, 16 and 64, every file opened through a function that first waits " +
            $"`Task.Delay({OpenLatency.TotalMilliseconds:F0} ms)`, standing in for the per-open latency of a network filesystem; then 1 and 16 with no delay. " +
            $"One warm-up build each, then {options.Repeats} timed repeats, the settings alternating within a repeat; speed-ups per repeat against " +
            "1 read at a time with the same delay. Every build must give the same content hash.")
            .Columns("per-open delay", "parallel reads", "build ms", "ms per file", "speed-up vs 1 read at a time");

        using var scratch = new TempDirectory("manifest");
        var folder = await WriteShardsAsync(scratch.Sub("shards"), shards, cancellationToken);
        (TimeSpan Delay, int Reads)[] settings = [.. ParallelReads.Select(n => (OpenLatency, n)), (TimeSpan.Zero, 1), (TimeSpan.Zero, 16)];
        var times = settings.ToDictionary(s => s, _ => new List<double>());
        var hashes = new HashSet<string>();
        for (int r = -1; r < options.Repeats; r++)
            foreach (var setting in settings)
            {
                string hash = "";
                double seconds = await Stopwatches.TimeAsync(async () => hash = await BuildAsync(folder, setting.Delay, setting.Reads, cancellationToken));
                hashes.Add(hash);
                if (r >= 0) times[setting].Add(seconds * 1000);
            }
        if (hashes.Count != 1) throw new InvalidOperationException($"the builds gave {hashes.Count} different content hashes");

        foreach (var setting in settings)
        {
            var baseline = times[(setting.Delay, 1)];
            section.Row($"{setting.Delay.TotalMilliseconds:F0} ms", setting.Reads.ToString(), Spread.Of(times[setting]).Format("F0"),
                (Spread.Of(times[setting]).Median / shards).ToString("F3"), Spread.Of(times[setting].Zip(baseline, (t, b) => b / t)).Format("F1"));
        }
        double waitedPerFile = (Spread.Of(times[(OpenLatency, 1)]).Median - Spread.Of(times[(TimeSpan.Zero, 1)]).Median) / shards;
        section.Note($"One read at a time pays the delay once per file, in series: the {OpenLatency.TotalMilliseconds:F0} ms delay cost {waitedPerFile:F1} ms " +
                     "per open here (the time with it less the time without, per file; `Task.Delay` waits at least the timer's resolution). " +
                     "Parallel reads overlap the waits. Without the delay the build is CPU work (footer check, the library's footer parse, " +
                     $"layout detection) on the {Environment.ProcessorCount} cores of this machine, so parallel reads gain at most the core count there.");
        return section;
    }

    /// <returns>The folder of <paramref name="count"/> identical two-row shards.</returns>
    private static async Task<string> WriteShardsAsync(string folder, int count, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        var rows = Enumerable.Range(0, 2).Select(i => new Img2DatasetRow($"k{i}", $"caption {i}", [0xFF, 0xD8, 0xFF], "success", 1, 1, "", null, null)).ToArray();
        var first = Path.Combine(folder, "part-00000.parquet");
        await Img2DatasetWriter.WriteAsync(first, rows, rowGroupSize: 2, cancellationToken: cancellationToken);
        for (int i = 1; i < count; i++) File.Copy(first, Path.Combine(folder, $"part-{i:D5}.parquet"));
        return folder;
    }

    private static async Task<string> BuildAsync(string folder, TimeSpan delay, int parallelReads, CancellationToken cancellationToken)
    {
        var reads = new FooterReads(parallelReads, async (path, token) =>
        {
            if (delay > TimeSpan.Zero) await Task.Delay(delay, token);
            return File.OpenRead(path);
        });
        var manifest = await DatasetManifest.BuildAsync([folder], new ColumnNames(), new QuarantineLog(), reads, cancellationToken);
        return manifest.ContentHash;
    }
}
