using System.Diagnostics;
using TinyClip.Actors.Configuration;
using TinyClip.Benchmarks.Harness;
using TinyClip.Configuration;

namespace TinyClip.Benchmarks.Benchmarks;

/// <summary>
/// Seconds from restarting a killed run to its first resumed step, against a cold start to the first step of a fresh run,
/// and the work a crash loses at the default checkpoint cadence.
/// </summary>
public sealed class RecoveryBenchmark : IBenchmark
{
    private const string Model = "demo-student";
    private const int BatchSize = 32, Rows = 2000, CheckpointEvery = 5;
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(5);

    public string Name => "recovery";

    public async Task<BenchmarkSection> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        int repeats = options.Pick(1, Math.Min(5, options.Repeats));
        var cli = CliRun.CliAssembly(RepositoryRoot.Find());
        using var scratch = new TempDirectory("recovery");
        var (train, tokenizer) = await PreparedShards.WriteAsync(scratch, Rows, 64, 100, cancellationToken);

        var fresh = new List<double>();
        var restart = new List<double>();
        var lost = new List<double>();
        var stepSeconds = new List<double>();
        for (int r = 0; r < repeats; r++)
        {
            var runDirectory = scratch.Sub($"run-{r}");
            var plan = new OneStagePlan(runDirectory, train, Model, BatchSize, Steps: 100_000, Environment.ProcessorCount)
            {
                TokenizerPath = tokenizer, CheckpointEverySteps = CheckpointEvery, LogEverySteps = 1,
            };
            var configFile = scratch.Sub($"run-{r}.conf");
            await File.WriteAllTextAsync(configFile, plan.ToHocon(), cancellationToken);

            long killedAfter;
            int linesBefore;
            var clock = Stopwatch.StartNew();
            using (var first = CliRun.Start(cli, configFile, runDirectory))
            {
                await first.WaitUntilAsync(() => first.TrainSteps().Count > 0, Patience, "first step of the fresh run", cancellationToken);
                fresh.Add(clock.Elapsed.TotalSeconds);
                // Two steps past the first checkpoint: its file is written and the journal has had time to commit it.
                var checkpoint = Path.Combine(runDirectory, "checkpoints", "teacher", $"step-{CheckpointEvery}.safetensors");
                await first.WaitUntilAsync(() => File.Exists(checkpoint) && first.TrainSteps().Max(s => s.Step) >= CheckpointEvery + 2,
                    Patience, "committed checkpoint", cancellationToken);
                first.Kill();
                var steps = first.TrainSteps();
                killedAfter = steps.Max(s => s.Step);
                linesBefore = steps.Count;
                stepSeconds.Add((steps[^1].Time - steps[0].Time).TotalSeconds / (steps[^1].Step - steps[0].Step));
            }
            clock.Restart();
            using (var second = CliRun.Start(cli, configFile, runDirectory))
            {
                await second.WaitUntilAsync(() => second.TrainSteps().Count > linesBefore, Patience, "first resumed step", cancellationToken);
                restart.Add(clock.Elapsed.TotalSeconds);
                long resumedAt = second.TrainSteps()[linesBefore].Step - 1;
                lost.Add(killedAfter - resumedAt);
            }
        }

        long defaultEvery = TinyClipConfig.Reference.GetLong("tinyclip.checkpoint.every-steps");
        double step = Spread.Of(stepSeconds).Median;
        var ratio = Spread.Of(restart.Zip(fresh, (a, b) => a / b));
        var section = new BenchmarkSection("8. Recovery after a crash",
            $"The Release CLI (`dotnet tinyclip.dll train --config FILE --run-dir DIR`) as a child process: a one-stage teacher plan ({Model}, batch {BatchSize}, " +
            $"a checkpoint every {CheckpointEvery} steps, a metrics line every step) on {Rows} pre-generated synthetic samples with a pre-learned tokenizer. " +
            "*Fresh*: seconds from starting the process to the first train line in metrics.jsonl (cold start: runtime, libtorch, journal, model, feed). " +
            $"Then, two steps after checkpoint {CheckpointEvery} is on disk, the whole process tree is killed (`Process.Kill(entireProcessTree: true)`, no graceful stop). " +
            "*Restart*: the same command again; seconds to its first new train line (journal replay, checkpoint load and verification, feed from the saved cursor). " +
            $"{repeats} repeat(s), each in a fresh run directory; ratio per repeat.")
            .Columns("fresh start → first step, s", "restart → first resumed step, s", "restart / fresh", "steps lost in this kill");
        section.Row(Spread.Of(fresh).Format("F2"), Spread.Of(restart).Format("F2"), ratio.Format("F2"), Spread.Of(lost).Format("F0"));
        section.Note($"**Work lost at the default cadence.** `tinyclip.checkpoint.every-steps` is {defaultEvery} in hocon/reference.conf, so a crash loses the steps " +
                     $"since the last checkpoint: {defaultEvery - 1} at worst, {(defaultEvery - 1) / 2.0:F1} on average for a crash at a random moment. At the " +
                     $"{step:F2} s/step measured here ({Model}, batch {BatchSize}) that is up to {(defaultEvery - 1) * step:F0} s (about {(defaultEvery - 1) / 2.0 * step:F0} s " +
                     "on average) of training redone, on top of the restart time above.");
        return section;
    }
}
