using TinyClip.Data.Pipeline;
using TinyClip.Actors.Training;
using TinyClip.Benchmarks.Harness;
using TinyClip.Model;

namespace TinyClip.Benchmarks.Benchmarks;

/// <summary>Seconds per training step of each preset at batch 32, relative to demo-student's, so users can size runs.</summary>
public sealed class StepTimeBenchmark : IBenchmark
{
    private const int BatchSize = 32;
    private const string Reference = "demo-student";
    private static readonly string[] SmallPresets = { "tiny-test", "demo-student", "demo-teacher" };
    // Slow on CPU: full mode only, with one warm-up and two timed steps.
    private static readonly string[] LargePresets = { "TinyCLIP-ViT-8M-16-Text-3M", "TinyCLIP-ViT-40M-32-Text-19M", "ViT-B-32" };

    public string Name => "step-time";

    public Task<BenchmarkSection> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        int threads = TrainingThread.LibTorchThreads();
        var section = new BenchmarkSection("1. Training step time per preset (batch 32)",
            $"The runtime's own step (`TrainerCore.Train`: forward of both towers, CLIP contrastive loss via `DistillationObjective` with alpha = 0, " +
            $"backward, global-norm clipping, our AdamW), one CPU trainer on a dedicated thread with libtorch's default {threads} intra-op threads, on random pixels and tokens " +
            $"(step time does not depend on values). Small presets: 2 warm-up steps, then {options.Repeats} timed steps each. " +
            (options.Quick ? "The large presets are skipped in quick mode. " : "Large presets: 1 warm-up and 2 timed steps. ") +
            $"Ratio: the preset's median step time over {Reference}'s, measured in the same run.")
            .Columns("preset", "params (image + text)", "s/step median (min–max)", "samples/s (median)", $"step time / {Reference}");

        var results = new List<(string Preset, string Params, Spread Seconds)>();
        using var scratch = new TempDirectory("step");
        foreach (var preset in options.Quick ? SmallPresets : SmallPresets.Concat(LargePresets))
        {
            cancellationToken.ThrowIfCancellationRequested();
            bool large = LargePresets.Contains(preset);
            Console.WriteLine($"  {preset}");
            results.Add(TrainingThread.Run(() =>
            {
                using var core = StandaloneTrainer.Create(StandaloneTrainer.Stage(preset, BatchSize, steps: 1_000_000), null, scratch.Path);
                int warmUps = large ? 1 : 2, repeats = large ? 2 : options.Repeats;
                // Consecutive global batches, made before the clock runs (trainers check that each batch follows the last).
                var batches = new Queue<TrainingBatch>(Enumerable.Range(0, warmUps + repeats).Select(i => StandaloneTrainer.RandomBatch(core.Student.Config, BatchSize, i)));
                var seconds = Stopwatches.Repeat(warmUps, repeats, () => core.Train(batches.Dequeue(), stopRequested: false));
                var (image, text) = core.Student.ParameterCounts();
                return (preset, $"{image / 1e6:F2}M + {text / 1e6:F2}M", Spread.Of(seconds));
            }));
        }
        double reference = results.Single(r => r.Preset == Reference).Seconds.Median;
        foreach (var (preset, parameters, seconds) in results)
            section.Row(preset, parameters, seconds.Format("F3"), (BatchSize / seconds.Median).ToString("F1"), (seconds.Median / reference).ToString("F2") + "x");
        section.Note("Read it as: a run of S steps at batch 32 on this machine takes about S x s/step for training alone (data loading overlaps with it; see 7).");
        return Task.FromResult(section);
    }
}
