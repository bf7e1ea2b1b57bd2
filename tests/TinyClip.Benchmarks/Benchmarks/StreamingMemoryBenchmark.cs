using System.Diagnostics;
using System.Text.Json;
using TinyClip.Actors.Feeding;
using TinyClip.Benchmarks.Harness;
using TinyClip.Data.Ordering;
using TinyClip.Data.Settings;
using TinyClip.Data.Synthetic;

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
        int groupsInFlight = (settings.Stream.ReadAheadWindows + 1) * settings.Order.WindowRowGroups;
        long sampleBytes = 3L * ImageSize * ImageSize * sizeof(float);
        long batchBytes = BatchSize * (sampleBytes + settings.Decode.ContextLength * sizeof(int));
        // Rows are sized from the encoded size of a first few samples so the dataset is the asked multiple of the bound.
        var synth = new SynthOptions(".", 0, 0, ImageSize, Seed: 1);
        double rowBytes = Enumerable.Range(0, 200).Average(i => SyntheticDataset.Row("train", 0, i, synth).Jpg!.Length);
        long Bound(double groupBytes) => (long)(groupsInFlight * groupBytes) + settings.Stream.DecodeParallelism * sampleBytes + (1 + settings.Stream.BatchesInFlight) * batchBytes;
        int factor = options.Pick(10, 20);
        int groups = (int)Math.Ceiling(factor * Bound(rowBytes * RowGroupSize) / (rowBytes * RowGroupSize));
        int rows = groups * RowGroupSize;
        int repeats = options.Pick(1, Math.Min(3, options.Repeats));

        using var scratch = new TempDirectory("memory");
        var train = await SyntheticShards.WriteAsync(scratch.Path, rows, ImageSize, RowGroupSize, cancellationToken);
        long datasetBytes = Directory.EnumerateFiles(train, "*.parquet").Sum(f => new FileInfo(f).Length);
        long rowGroupBytes = datasetBytes / groups;
        long bound = Bound(rowGroupBytes);

        var results = new List<ChildResult>();
        for (int r = 0; r < repeats; r++)
        {
            var output = await ChildProcess.RunAsync(ChildProcess.ThisProgram(ChildCommand, train, rows.ToString()), TimeSpan.FromMinutes(10), cancellationToken);
            results.Add(JsonSerializer.Deserialize<ChildResult>(output.Trim().Split('\n')[^1])!);
        }
        var startup = Spread.Of(results.Select(r => r.StartupBytes / 1048576.0));
        var peak = Spread.Of(results.Select(r => r.PeakBytes / 1048576.0));
        var growth = Spread.Of(results.Select(r => (r.PeakBytes - r.StartupBytes) / 1048576.0));

        var section = new BenchmarkSection("4. Streaming memory",
            $"A child process (`{ChildCommand}`, so its peak RSS holds nothing but this) builds the manifest and an actor system, reads VmRSS (*start-up*), " +
            $"then streams one epoch of {rows} synthetic {ImageSize} px samples ({datasetBytes / 1048576.0:F1} MiB of Parquet, {rows / RowGroupSize} row groups of {RowGroupSize}) " +
            $"through `BatchFeed.RunToChannel` with the shipped stream settings (read-ahead {settings.Stream.ReadAheadWindows} window, K = {settings.Order.WindowRowGroups} row groups, " +
            $"decode parallelism {settings.Stream.DecodeParallelism}, {settings.Stream.BatchesInFlight} batches in flight, batch {BatchSize}), consuming batches as fast as they come; " +
            "*peak* is VmHWM at the end (VmRSS is also sampled every 20 ms). The configured in-flight bound is computed from the settings: " +
            $"({settings.Stream.ReadAheadWindows}+1) x {settings.Order.WindowRowGroups} row groups x {rowGroupBytes / 1024.0:F0} KiB + {settings.Stream.DecodeParallelism} decoded samples x {sampleBytes / 1024.0:F0} KiB " +
            $"+ (1 + {settings.Stream.BatchesInFlight}) batches x {batchBytes / 1024.0:F0} KiB = {bound / 1048576.0:F2} MiB; the dataset is {datasetBytes / (double)bound:F1}x that encoded " +
            $"({rows * (double)sampleBytes / bound:F0}x decoded). " +
            $"{repeats} child run(s).")
            .Columns("start-up RSS MiB", "peak RSS MiB", "growth MiB", "peak / start-up", "growth / in-flight bound", "growth / dataset size");
        section.Row(startup.Format("F0"), peak.Format("F0"), growth.Format("F1"), (peak.Median / startup.Median).ToString("F2"),
            (growth.Median * 1048576.0 / bound).ToString("F1"), (growth.Median * 1048576.0 / datasetBytes).ToString("F2"));
        section.Note("Growth includes what the runtime adds on first use (JIT of the stream stages, ImageSharp pools, GC heap head-room), so growth / bound above 1 " +
                     "does not by itself mean the bound is broken; growth / dataset size well below 1, and not rising with the dataset (compare quick and full mode), is what shows streaming.");
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
        var feed = BatchFeed.RunToChannel(pipeline, Cursor.StartOf(0), system);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        for (int b = 0; b < rows / BatchSize; b++) await feed.Batches.ReadAsync(timeout.Token);
        feed.Stop();
        var result = new ChildResult(startup, Math.Max(ProcessMemory.PeakResident(), Interlocked.Read(ref sampledPeak)), clock.Elapsed.TotalSeconds);
        Console.WriteLine(JsonSerializer.Serialize(result));
        return 0;
    }

    private sealed record ChildResult(long StartupBytes, long PeakBytes, double Seconds);
}
