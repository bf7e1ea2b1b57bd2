using System.Diagnostics;
using System.Text.Json;
using TinyClip.Actors.Feeding;
using TinyClip.Benchmarks.Harness;
using TinyClip.Data.Ordering;
using TinyClip.Data.Settings;

namespace TinyClip.Benchmarks.Benchmarks;

/// <summary>
/// Peak resident memory while streaming a dataset many times larger than the feed's configured in-flight bound, against the
/// resident memory after start-up, in a child process of its own so that its peak (VmHWM) holds nothing else.
/// </summary>
public sealed class StreamingMemoryBenchmark : IBenchmark
{
    public const string ChildCommand = "__stream-memory-child";
    private const int ImageSize = 64, RowGroupSize = 100, BatchSize = 32;

    public string Name => "memory";

    /// <summary>The shipped stream settings (reference.conf), batch and image size fixed here; parent and child use the same.</summary>
    private static DataSettings Settings() => SyntheticShards.Settings(s => s with
    {
        Decode = s.Decode with { ImageSize = ImageSize },
        Order = s.Order with { BatchSize = BatchSize },
    });

    public async Task<BenchmarkSection> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        var settings = Settings();
        // Per lane (the datasets here have more row groups than lanes): read-ahead windows and decodes in flight.
        int lanes = Math.Min(settings.Order.Lanes, BatchSize);
        int groupsInFlight = lanes * (settings.Stream.ReadAheadWindows + 1) * settings.Order.WindowRowGroups;
        long sampleBytes = 3L * ImageSize * ImageSize; // pixels travel as bytes
        long batchBytes = BatchSize * (sampleBytes + settings.Decode.ContextLength * sizeof(int));
        long Bound(double groupBytes) => (long)(groupsInFlight * groupBytes) + lanes * settings.Stream.DecodeParallelism * sampleBytes + (1 + settings.Stream.BatchesInFlight) * batchBytes;
        using var scratch = new TempDirectory("memory");
        // A probe shard gives the encoded size of a row group (JPEG headers compress across rows), so the dataset can be sized to the bound.
        var probe = await SyntheticShards.WriteAsync(scratch.Sub("probe"), 5 * RowGroupSize, ImageSize, RowGroupSize, cancellationToken);
        double probeGroupBytes = Directory.EnumerateFiles(probe, "*.parquet").Sum(f => new FileInfo(f).Length) / 5.0;
        int factor = options.Pick(10, 20);
        int repeats = options.Pick(1, Math.Min(3, options.Repeats));
        // Two datasets: a small one (2x the bound) and the measured one (factor x): streaming shows as peaks that do not grow with the data.
        var sizes = new[] { 2, factor }.Select(f => (int)Math.Ceiling(1.1 * f * Bound(probeGroupBytes) / probeGroupBytes) * RowGroupSize).ToArray();

        var measured = new List<(int Rows, long DatasetBytes, long Bound, Spread Startup, Spread Peak, Spread Growth)>();
        foreach (var rows in sizes)
        {
            var train = await SyntheticShards.WriteAsync(scratch.Sub($"data-{rows}"), rows, ImageSize, RowGroupSize, cancellationToken);
            long datasetBytes = Directory.EnumerateFiles(train, "*.parquet").Sum(f => new FileInfo(f).Length);
            var results = new List<ChildResult>();
            for (int r = 0; r < repeats; r++)
            {
                var output = await ChildProcess.RunAsync(ChildProcess.ThisProgram(ChildCommand, train, rows.ToString()), TimeSpan.FromMinutes(10), cancellationToken);
                results.Add(JsonSerializer.Deserialize<ChildResult>(output.Trim().Split('\n')[^1])!);
            }
            measured.Add((rows, datasetBytes, Bound(datasetBytes / (double)(rows / RowGroupSize)),
                Spread.Of(results.Select(r => r.StartupBytes / 1048576.0)),
                Spread.Of(results.Select(r => r.PeakBytes / 1048576.0)),
                Spread.Of(results.Select(r => (r.PeakBytes - r.StartupBytes) / 1048576.0))));
        }
        var large = measured[^1];
        long rowGroupBytes = large.DatasetBytes / (large.Rows / RowGroupSize);

        var section = new BenchmarkSection("4. Streaming memory",
            $"A child process (`{ChildCommand}`, so its peak RSS holds nothing but this) builds the manifest and an actor system, reads VmRSS (*start-up*), " +
            $"then streams one epoch of synthetic {ImageSize} px samples (row groups of {RowGroupSize}) through `BatchFeed.RunToChannel` with the shipped stream settings " +
            $"({lanes} lanes, each with read-ahead {settings.Stream.ReadAheadWindows} window, K = {settings.Order.WindowRowGroups} row groups, decode parallelism {settings.Stream.DecodeParallelism}; " +
            $"{settings.Stream.BatchesInFlight} batches in flight, batch {BatchSize}), consuming batches as fast as they come; *peak* is VmHWM at the end (VmRSS is also sampled " +
            "every 20 ms). The configured in-flight bound is computed from the settings: " +
            $"{lanes} x ({settings.Stream.ReadAheadWindows}+1) x {settings.Order.WindowRowGroups} row groups x {rowGroupBytes / 1024.0:F0} KiB + {lanes} x {settings.Stream.DecodeParallelism} decoded samples x {sampleBytes / 1024.0:F0} KiB " +
            $"+ (1 + {settings.Stream.BatchesInFlight}) batches x {batchBytes / 1024.0:F0} KiB = {large.Bound / 1048576.0:F2} MiB. Two datasets, about 2x and {factor}x the bound " +
            $"in encoded bytes, {repeats} child run(s) each.")
            .Columns("dataset", "start-up RSS MiB", "peak RSS MiB", "growth MiB", "peak / start-up", "growth / in-flight bound", "growth / dataset size");
        foreach (var m in measured)
            section.Row($"{m.Rows} rows, {m.DatasetBytes / 1048576.0:F1} MiB = {m.DatasetBytes / (double)m.Bound:F1}x bound ({m.Rows * (double)sampleBytes / m.Bound:F0}x decoded)",
                m.Startup.Format("F0"), m.Peak.Format("F0"), m.Growth.Format("F1"), (m.Peak.Median / m.Startup.Median).ToString("F2"),
                (m.Growth.Median * 1048576.0 / m.Bound).ToString("F1"), (m.Growth.Median * 1048576.0 / m.DatasetBytes).ToString("F2"));
        section.Note($"Growth of the {factor}x dataset over the 2x one: {large.Growth.Median / measured[0].Growth.Median:F2} for {large.DatasetBytes / (double)measured[0].DatasetBytes:F1}x the data. " +
                     "Growth includes what the runtime adds on first use (JIT of the stream stages, decode-dispatcher threads, ImageSharp pools, GC heap head-room), " +
                     "so growth / bound above 1 does not by itself mean the bound is broken; growth that stays flat as the dataset grows is what shows streaming.");
        return section;
    }

    /// <summary>The child: streams one epoch and prints its memory figures as one JSON line.</summary>
    public static async Task<int> RunChildAsync(string[] args)
    {
        string train = args[0];
        int rows = int.Parse(args[1]);
        var pipeline = await SyntheticShards.PipelineAsync(train, Settings(), CancellationToken.None);
        using var system = SyntheticShards.ActorSystem();
        long startup = ProcessMemory.Resident();
        long sampledPeak = startup;
        using var sampler = new Timer(_ => Interlocked.Exchange(ref sampledPeak, Math.Max(Interlocked.Read(ref sampledPeak), ProcessMemory.Resident())), null, 0, 20);
        var clock = Stopwatch.StartNew();
        var feed = BatchFeed.RunToChannel(pipeline, pipeline.Start, RowRange.All(pipeline.Layout.BatchSize), system);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        for (int b = 0; b < rows / BatchSize; b++) await feed.Batches.ReadAsync(timeout.Token);
        feed.Stop();
        var result = new ChildResult(startup, Math.Max(ProcessMemory.PeakResident(), Interlocked.Read(ref sampledPeak)), clock.Elapsed.TotalSeconds);
        Console.WriteLine(JsonSerializer.Serialize(result));
        return 0;
    }

    private sealed record ChildResult(long StartupBytes, long PeakBytes, double Seconds);
}
