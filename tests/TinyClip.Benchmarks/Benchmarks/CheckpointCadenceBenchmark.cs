using TinyClip.Benchmarks.Harness;

namespace TinyClip.Benchmarks.Benchmarks;

/// <summary>
/// What checkpoints cost the trainer now that they are written beside training: samples/s of the whole actor runtime with
/// a checkpoint after every step against one every 1,000 steps (none within the run). Target: ratio >= 0.9.
/// </summary>
public sealed class CheckpointCadenceBenchmark : IBenchmark
{
    private const string Model = "demo-teacher";
    private const int BatchSize = 32, ImageSize = 64, Rows = 2000, RowGroupSize = 100, Rare = 1_000;
    private const double Target = 0.9;

    public string Name => "checkpoints";

    public async Task<BenchmarkSection> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        int steps = options.Pick(6, 60);
        int repeats = options.Pick(1, Math.Min(5, options.Repeats));
        // On the CPU, libtorch on one thread leaves a core to the writer, as a trainer on a GPU leaves its CPU; on every
        // core the writer's copying and hashing compete with libtorch's threads for the cores. On a GPU the step runs
        // on the device and one CPU thread suffices.
        bool onCpu = options.Device == "cpu";
        var threadCounts = onCpu ? new[] { 1, TrainingThread.LibTorchThreads() }.Distinct().ToList() : [1];
        var threadsMeasured = onCpu
            ? $"Measured with libtorch on 1 thread (a core left for the writer, as on a GPU machine where the trainer's CPU mostly waits) and on {TrainingThread.LibTorchThreads()} (every core)."
            : $"The trainer computes on {options.Device} (libtorch on 1 CPU thread).";
        using var scratch = new TempDirectory("checkpoints");
        var (train, tokenizer) = await PreparedShards.WriteAsync(scratch, Rows, ImageSize, RowGroupSize, cancellationToken);

        var section = new BenchmarkSection("14. Checkpoints beside training",
            $"*Every step*: `RunHost.RunAsync` with a one-stage teacher plan ({Model}, batch {BatchSize}, {steps} steps, one trainer on {options.Device}, " +
            $"SQLite journal) on {Rows} synthetic {ImageSize} px samples, `checkpoint.every-steps = 1`: rank 0 copies its state and a background writer writes, " +
            "hashes and fsyncs both checkpoint files, prunes, then sends the commit event; the next checkpoint waits for the previous write. " +
            $"*Every {Rare:N0} steps*: the same plan with `checkpoint.every-steps = {Rare}` (no checkpoint within the run). samples/s is the trainer's own figure from " +
            "the `StageCompleted` event (it includes waiting for the last write). A fresh temporary run directory per run; " +
            $"{repeats} repeat(s), the two cadences alternating; ratio per repeat. {threadsMeasured} Target: ratio >= {Target}.")
            .Columns("libtorch threads", "checkpoint every", "samples/s", "checkpoint size (both files)", "every step / every 1,000");
        foreach (var threads in threadCounts)
        {
            var everyStep = new List<double>();
            var rare = new List<double>();
            long checkpointBytes = 0;
            for (int r = 0; r < repeats; r++)
            {
                foreach (var (every, results) in new[] { (1L, everyStep), (Rare, rare) })
                {
                    var runDirectory = scratch.Sub($"run-{threads}-{every}-{r}");
                    var plan = new OneStagePlan(runDirectory, train, Model, BatchSize, steps, threads)
                    {
                        TokenizerPath = tokenizer, CheckpointEverySteps = every, Device = options.Device,
                    };
                    results.Add(await ActorRun.SamplesPerSecondAsync(plan, cancellationToken));
                    var checkpoints = Path.Combine(runDirectory, "checkpoints", "teacher");
                    if (every == 1) checkpointBytes = Directory.GetFiles(checkpoints, $"step-{steps - 1}.*safetensors").Sum(f => new FileInfo(f).Length);
                }
            }
            var ratio = Spread.Of(everyStep.Zip(rare, (a, b) => a / b));
            section.Row(threads.ToString(), "1 step", Spread.Of(everyStep).Format("F1"), $"{checkpointBytes / 1e6:F1} MB", ratio.Format("F3"))
                .Row(threads.ToString(), $"{Rare:N0} steps", Spread.Of(rare).Format("F1"), "", "1");
            section.Note($"libtorch on {threads} thread(s): target {(ratio.Median >= Target ? "met" : "**not met**")}, {ratio.Median:F3} (>= {Target} wanted); " +
                         $"{checkpointBytes / 1e6:F1} MB written, hashed and fsynced per step at {BatchSize / Spread.Of(everyStep).Median * 1000:F0} ms per step " +
                         $"({BatchSize / Spread.Of(rare).Median * 1000:F0} ms without checkpoints).");
        }
        return section;
    }
}
