using System.Diagnostics;
using System.Text.Json;
using TinyClip.Actors.Configuration;
using TinyClip.Actors.Evaluation;
using TinyClip.Actors.Feeding;
using TinyClip.Benchmarks.Harness;
using TinyClip.Configuration;
using TinyClip.Data.Ordering;
using TinyClip.Data.Quarantine;
using TinyClip.Data.Settings;
using TinyClip.Model;

namespace TinyClip.Benchmarks.Benchmarks;

/// <summary>
/// Streaming evaluation at 224 px: images/s and peak resident memory of <see cref="CheckpointEvaluator"/> (what
/// `tinyclip eval` and the evaluator during training run) on a set and on ten times that set, each in a child process of
/// its own so that its peak holds nothing else; beside it, the training feed's decode rate on the same shards.
/// </summary>
public sealed class EvaluationBenchmark : IBenchmark
{
    public const string ChildCommand = "__eval-child";
    private const int SourceSize = 256, ImageSize = 224, PatchSize = 32, RowGroupSize = 500;
    private const string Evaluate = "eval", Feed = "feed";

    public string Name => "eval";

    public async Task<BenchmarkSection> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        // A COCO-test-sized set (5,000 images) and an ImageNet-val-sized one (50,000): the sets the program is for, and a
        // small set long enough for the process's memory to settle (a 2,000-image evaluation ends while it still rises).
        int small = options.Pick(500, 5000);
        int repeats = options.Pick(1, Math.Min(2, options.Repeats));
        var eval = EvalSettings.Reference;
        using var scratch = new TempDirectory("eval");
        var rows = new[] { small, 10 * small };
        var folders = new Dictionary<int, string>();
        foreach (var n in rows)
            folders[n] = await SyntheticShards.WriteAsync(scratch.Sub($"set-{n}"), n, SourceSize, RowGroupSize, cancellationToken);

        async Task<ChildResult> Child(string mode, int n, int batchSize, int compactEvery)
        {
            var output = await ChildProcess.RunAsync(ChildProcess.ThisProgram(ChildCommand, mode, folders[n], n.ToString(), batchSize.ToString(), compactEvery.ToString()),
                TimeSpan.FromMinutes(20), cancellationToken);
            return JsonSerializer.Deserialize<ChildResult>(output.Trim().Split('\n')[^1])!;
        }

        // The shipped batch size, and 128, whose 77 MB of float pixels lie above glibc's largest mmap threshold (32 MB); each
        // with the shipped heap compaction, and the shipped batch size without it. A configuration's runs alternate with the
        // others' so that a quiet or busy moment of the machine does not fall on one of them only.
        var configurations = new[] { (Batch: eval.BatchSize, Compact: eval.CompactHeapEveryBatches), (Batch: eval.BatchSize, Compact: 0),
            (Batch: 128, Compact: eval.CompactHeapEveryBatches) }.Distinct().ToArray();
        var runsOf = configurations.SelectMany(c => rows.Select(n => (c.Batch, c.Compact, n))).ToDictionary(k => k, _ => new List<ChildResult>());
        for (int r = 0; r < repeats; r++)
            foreach (var (batch, compact, n) in runsOf.Keys)
                runsOf[(batch, compact, n)].Add(await Child(Evaluate, n, batch, compact));
        var results = new List<(string Mode, int Rows, int Batch, int Compact, Spread Rate, Spread Peak, Spread Growth, double[] QuarterPeaks)>();
        foreach (var ((batch, compact, n), runs) in runsOf)
            results.Add((Evaluate, n, batch, compact, Spread.Of(runs.Select(x => n / x.Seconds)), Spread.Of(runs.Select(x => x.PeakBytes / 1048576.0)),
                Spread.Of(runs.Select(x => (x.PeakBytes - x.StartupBytes) / 1048576.0)),
                Enumerable.Range(0, 4).Select(q => runs.Max(x => x.QuarterPeakBytes[q]) / 1048576.0).ToArray()));
        var feedRuns = new List<ChildResult>();
        for (int r = 0; r < repeats; r++) feedRuns.Add(await Child(Feed, rows[^1], 0, 0));
        var feedRate = Spread.Of(feedRuns.Select(x => rows[^1] / x.Seconds));

        var section = new BenchmarkSection("13. Evaluation at 224 px: streaming throughput and memory",
            $"Synthetic {SourceSize} px JPEG shards (row groups of {RowGroupSize}) of {small} and {10 * small} captioned images. Each figure is a child process " +
            $"(`{ChildCommand}`) that opens the set (`EvaluationSource`: manifest, no pixels), reads VmRSS (*start-up*), then runs `CheckpointEvaluator.Evaluate` " +
            $"(decode + center crop to {ImageSize} px on the thread pool with {eval.ReadAheadBatches} batches read ahead, encode, keep the embeddings, then " +
            $"retrieval recall@1/5/10 both ways and the validation loss) with a one-layer ViT ({PatchSize} px patches, width 32) so that the figure is " +
            "the data path rather than the model, with the shipped managed-heap compaction (`eval.compact-heap-every-batches`) or without it; *peak* is VmHWM at the end, also sampled every 20 ms, and the sampled peak of each quarter of the run's time " +
            "shows whether memory still rises at the end. images/s counts from the open set to the metrics. " +
            $"*Training feed*: the same {10 * small} images through `BatchFeed` with the shipped stream settings at {ImageSize} px (decode + random resized crop), " +
            $"consumed as fast as they come. {repeats} child run(s) per row; median [min–max].")
            .Columns("what", "images", "batch", "heap compaction", "images/s", "peak RSS MiB", "growth over start-up MiB");
        foreach (var r in results)
            section.Row(r.Mode == Evaluate ? "evaluation" : r.Mode, r.Rows.ToString(), r.Batch.ToString(), Compaction(r.Compact), r.Rate.Format("F0"),
                r.Peak.Format("F0"), r.Growth.Format("F0"));
        section.Row("training feed", rows[^1].ToString(), "32", "", feedRate.Format("F0"), "", "");
        foreach (var (batch, compact) in configurations)
        {
            var one = results.First(r => r.Batch == batch && r.Compact == compact && r.Rows == small);
            var ten = results.First(r => r.Batch == batch && r.Compact == compact && r.Rows == 10 * small);
            long pixels = 10L * small * 3 * ImageSize * ImageSize * sizeof(float);
            section.Note($"Batch {batch}, heap compaction {Compaction(compact)}: peak RSS at 10x the data / at 1x = **{ten.Peak.Median / one.Peak.Median:F2}** (target <= 1.2); " +
                         $"the {10 * small} images as float pixels would be {pixels / 1048576.0:F0} MiB. Evaluation images/s at 10x / training feed decode rate = " +
                         $"{ten.Rate.Median / feedRate.Median:F2}. Sampled peak RSS per quarter of the run, MiB: {Quarters(one.QuarterPeaks)} at 1x, " +
                         $"{Quarters(ten.QuarterPeaks)} at 10x.");
        }
        return section;

        static string Compaction(int every) => every == 0 ? "off" : $"every {every} batches";

        static string Quarters(double[] peaks) => string.Join(" / ", peaks.Select(p => p.ToString("F0")));
    }

    /// <summary>The child: evaluates the set (or streams it through the training feed) and prints its figures as one JSON line.</summary>
    public static async Task<int> RunChildAsync(string[] args)
    {
        string mode = args[0], folder = args[1];
        int rows = int.Parse(args[2]), batchSize = int.Parse(args[3]), compactEvery = int.Parse(args[4]);
        var settings = SyntheticShards.Settings(s => s with { Decode = s.Decode with { ImageSize = ImageSize } });
        var tokenizer = new HashTokenizer(1024);
        if (mode == Feed)
        {
            var pipeline = await SyntheticShards.PipelineAsync(folder, settings, CancellationToken.None);
            using var system = SyntheticShards.ActorSystem();
            long feedStartup = ProcessMemory.Resident();
            var feedClock = Stopwatch.StartNew();
            var feed = BatchFeed.RunToChannel(pipeline, pipeline.Start, RowRange.All(pipeline.Layout.BatchSize), system);
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(15));
            for (int b = 0; b < rows / pipeline.Layout.BatchSize; b++) await feed.Batches.ReadAsync(timeout.Token);
            feed.Stop();
            Console.WriteLine(JsonSerializer.Serialize(new ChildResult(feedStartup, ProcessMemory.PeakResident(), feedClock.Elapsed.TotalSeconds, [])));
            return 0;
        }
        var config = new ClipConfig(32, new VisionConfig(ImageSize, PatchSize, TowerShape.Uniform(32, 1, 1, 32, 128)),
            new TextConfig(settings.Decode.ContextLength, tokenizer.VocabularySize, TowerShape.Uniform(32, 1, 1, 32, 128)));
        using var model = ClipModel.Create(config, seed: 1);
        var source = await EvaluationSource.OpenAsync([folder], null, settings, tokenizer, maxSamples: 0, new QuarantineLog());
        long startup = ProcessMemory.Resident();
        var clock = Stopwatch.StartNew();
        var samples = new System.Collections.Concurrent.ConcurrentQueue<(double Seconds, long Bytes)>();
        using var sampler = new Timer(_ => samples.Enqueue((clock.Elapsed.TotalSeconds, ProcessMemory.Resident())), null, 0, 20);
        var metrics = CheckpointEvaluator.Evaluate(model, source, tokenizer, batchSize, EvalSettings.Reference.ReadAheadBatches, compactEvery);
        double seconds = clock.Elapsed.TotalSeconds;
        if ((int)metrics["samples"] != rows) throw new InvalidOperationException($"evaluated {metrics["samples"]} of {rows} images");
        long PeakBetween(double from, double to) => samples.Where(s => s.Seconds >= from && s.Seconds < to).Select(s => s.Bytes).DefaultIfEmpty(startup).Max();
        var quarterPeaks = Enumerable.Range(0, 4).Select(q => PeakBetween(q * seconds / 4, (q + 1) * seconds / 4)).ToArray();
        long peak = Math.Max(ProcessMemory.PeakResident(), PeakBetween(0, double.MaxValue));
        Console.WriteLine(JsonSerializer.Serialize(new ChildResult(startup, peak, seconds, quarterPeaks)));
        return 0;
    }

    /// <param name="QuarterPeakBytes">The sampled peak of each quarter of the evaluation's time (none for the feed).</param>
    private sealed record ChildResult(long StartupBytes, long PeakBytes, double Seconds, long[] QuarterPeakBytes);
}
