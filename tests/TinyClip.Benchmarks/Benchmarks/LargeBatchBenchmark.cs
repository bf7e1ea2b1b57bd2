using TorchSharp;
using System.Diagnostics;
using System.Text.Json;
using TinyClip.Actors.Collectives;
using TinyClip.Actors.Configuration;
using TinyClip.Actors.Runtime;
using TinyClip.Actors.Training;
using TinyClip.Benchmarks.Harness;
using TinyClip.Data.Ordering;
using TinyClip.Model;
using TinyClip.Model.Losses;
using static TorchSharp.torch;

namespace TinyClip.Benchmarks.Benchmarks;

/// <summary>
/// TinyCLIP's batch sizes on bounded memory: peak memory and step time of a distill step with gradient caching against
/// plain steps, the row-sharded loss against the whole loss, and a bfloat16 teacher against a float32 one. Memory is
/// measured in child processes of their own (peak RSS holds nothing else).
/// </summary>
public sealed class LargeBatchBenchmark : IBenchmark
{
    public const string ChildCommand = "__large-batch-child";
    private const string Student = "demo-student", Teacher = "demo-teacher";

    public string Name => "large-batch";

    private sealed record ChildResult(long StartupBytes, long PeakBytes, double Seconds);

    public async Task<BenchmarkSection> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        int large = options.Pick(256, 1024), micro = 64, lossRows = options.Pick(1024, 4096);
        var section = new BenchmarkSection("12. Large batches: gradient caching, row-sharded loss, bfloat16 teacher",
            $"*Step*: a distill step of {Student} from a {Teacher} (random weights, 64 px, the runtime's `TrainerCore.Train`: teacher forward, " +
            "student forward, loss, backward, clipping, AdamW) on one CPU trainer, each configuration in a child process of its own: one warm-up step, " +
            "then 2 timed steps; memory is the child's peak RSS (VmHWM) less its RSS before the first step. " +
            $"*Loss*: one trainer's loss and feature gradients at N = {lossRows} (512-wide random unit features, student and teacher) as 1 of W = 3 " +
            "trainers: the whole N x N loss (`ShardedContrastiveStep.FeatureGradients`) vs its own rows (`RowShardedLoss.Contribution`), in child processes. " +
            "*Teacher*: the teacher's forward (image and text towers, no gradient) in float32 and in bfloat16 on the same inputs, alternating, " +
            "and the largest relative difference of the normalised features (max |bf16 - fp32| / max |fp32|).")
            .Columns("measure", "configuration", "value", "ratio");

        async Task<ChildResult> Child(params string[] args)
        {
            var output = await ChildProcess.RunAsync(ChildProcess.ThisProgram([ChildCommand, .. args]), TimeSpan.FromMinutes(10), cancellationToken);
            return JsonSerializer.Deserialize<ChildResult>(output.Trim().Split('\n')[^1])!;
        }
        double MiB(ChildResult r) => (r.PeakBytes - r.StartupBytes) / 1048576.0;

        var small = await Child("step", "64", "0");
        var cached = await Child("step", large.ToString(), micro.ToString());
        var plain = await Child("step", large.ToString(), "0");
        section.Row("step memory", $"batch 64, whole", $"{MiB(small):F0} MiB", "1.00");
        section.Row("step memory", $"batch {large}, micro-batches of {micro}", $"{MiB(cached):F0} MiB", (MiB(cached) / MiB(small)).ToString("F2") + " (target <= 1.5)");
        section.Row("step memory", $"batch {large}, whole", $"{MiB(plain):F0} MiB", (MiB(plain) / MiB(small)).ToString("F2"));
        section.Row("step time", $"batch {large}, whole", $"{plain.Seconds:F2} s", "1.00");
        section.Row("step time", $"batch {large}, micro-batches of {micro}", $"{cached.Seconds:F2} s", (cached.Seconds / plain.Seconds).ToString("F2") + " (target <= 1.35)");

        var whole = await Child("loss", lossRows.ToString(), "whole");
        var rows = await Child("loss", lossRows.ToString(), "rows");
        section.Row("loss, 1 of 3 trainers", $"N = {lossRows}, whole N x N", $"{whole.Seconds:F3} s, {MiB(whole):F0} MiB", "1.00");
        section.Row("loss, 1 of 3 trainers", $"N = {lossRows}, own rows", $"{rows.Seconds:F3} s, {MiB(rows):F0} MiB",
            $"time {rows.Seconds / whole.Seconds:F2}, memory {MiB(rows) / MiB(whole):F2}");

        var (fp32, bf16, difference) = TrainingThread.Run(() => TeacherPrecisionRun(options.Pick(64, 256), options.Repeats));
        section.Row("teacher forward", $"{Teacher}, batch {options.Pick(64, 256)}, float32", $"{fp32.Format("F3")} s", "1.00");
        section.Row("teacher forward", $"{Teacher}, batch {options.Pick(64, 256)}, bfloat16", $"{bf16.Format("F3")} s", (bf16.Median / fp32.Median).ToString("F2"));
        section.Row("teacher features", "bfloat16 vs float32", $"max relative difference {difference:G3}", "");
        section.Note("Memory ratios compare growth over the same start-up; the models are the demo's, so activations are small next to libtorch's own " +
                     "allocations: the ratio shows what grows with the batch, not what a ViT-B teacher would need.");
        return section;
    }

    private static (Spread Fp32, Spread Bf16, double Difference) TeacherPrecisionRun(int batch, int repeats)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var config = ClipPresets.Get(Teacher);
        using var fp32 = ClipModel.Create(config, seed: 3);
        using var bf16 = ClipModel.Create(config, seed: 3);
        bf16.to(ScalarType.BFloat16);
        fp32.eval();
        bf16.eval();
        var generator = new Generator(5);
        var images = randn(new long[] { batch, 3, config.Vision.ImageSize, config.Vision.ImageSize }, generator: generator);
        var tokens = randint(1, config.Text.VocabSize - 1, new long[] { batch, config.Text.ContextLength }, generator: generator);
        Tensor Features(ClipModel model, Tensor input) => cat([
            AffinityMimickingLoss.Normalize(model.EncodeImage(input).to(ScalarType.Float32)),
            AffinityMimickingLoss.Normalize(model.EncodeText(tokens).to(ScalarType.Float32))], 1);
        var half = images.to(ScalarType.BFloat16);
        var reference = Features(fp32, images);
        var reduced = Features(bf16, half);
        double difference = (reduced - reference).abs().max().item<float>() / reference.abs().max().item<float>();
        var (fp32Times, bf16Times) = (new List<double>(), new List<double>());
        for (int r = -1; r < repeats; r++)
        {
            var a = Stopwatches.Time(() => { using var s = NewDisposeScope(); Features(fp32, images); });
            var b = Stopwatches.Time(() => { using var s = NewDisposeScope(); Features(bf16, half); });
            if (r >= 0) { fp32Times.Add(a); bf16Times.Add(b); }
        }
        return (Spread.Of(fp32Times), Spread.Of(bf16Times), difference);
    }

    /// <summary>The child: one configuration's memory and time as one JSON line.</summary>
    public static int RunChild(string[] args) => TrainingThread.Run(() =>
    {
        using var scratch = new TempDirectory("large-batch");
        var result = args[0] == "step" ? Step(int.Parse(args[1]), int.Parse(args[2]), scratch.Path) : Loss(int.Parse(args[1]), args[2] == "rows");
        Console.WriteLine(JsonSerializer.Serialize(result));
        return 0;
    });

    private static ChildResult Step(int batch, int micro, string directory)
    {
        var teacher = Path.Combine(directory, "teacher.safetensors");
        using (var model = ClipModel.Create(ClipPresets.Get(Teacher), seed: 3)) ClipCheckpoint.Save(model, teacher);
        var stage = StandaloneTrainer.Stage(Student, batch, steps: 1_000) with
        {
            Kind = StageKind.Distill,
            Loss = new LossSpec(Alpha: 1, Weight: 1, FixedLogitScale: 50, LearnableLogitScale: false, TeacherOwnLogitScale: false),
            MicroBatchSize = micro,
        };
        var assignment = StandaloneTrainer.Assignment(stage) with { TeacherCheckpoint = teacher, TeacherModel = Teacher };
        var setup = new TrainerSetup(assignment, 0, 1, Cursor.Start(1), true, "cpu", directory, ClipPresets.Get(Student).Text.VocabSize, 1, 100, false);
        using var core = TrainerCore.Create(setup, new InProcessCollectiveGroup(1, TimeSpan.FromMinutes(5)).Members[0]);
        var config = core.Student.Config;
        var batches = Enumerable.Range(0, 3).Select(i => StandaloneTrainer.RandomBatch(config, batch, i)).ToList();
        long startup = ProcessMemory.Resident();
        core.Train(batches[0], stopRequested: false);
        var seconds = Stopwatches.Repeat(0, 2, () => core.Train(batches[(int)core.Step], stopRequested: false));
        return new ChildResult(startup, ProcessMemory.PeakResident(), Spread.Of(seconds).Median);
    }

    private static ChildResult Loss(int n, bool ownRows)
    {
        using var scope = NewDisposeScope();
        var objective = new DistillationObjective(new DistillationSettings(Alpha: 1.0));
        var generator = new Generator(7);
        ClipFeatures Random() => new(AffinityMimickingLoss.Normalize(randn(new long[] { n, 512 }, generator: generator)),
            AffinityMimickingLoss.Normalize(randn(new long[] { n, 512 }, generator: generator)));
        var (student, teacher) = (Random(), Random());
        int rows = n / 3;
        long startup = ProcessMemory.Resident();
        var clock = Stopwatch.StartNew();
        using (NewDisposeScope())
        {
            if (ownRows) new RowShardedLoss(objective).Contribution(0, rows, student, teacher);
            else new ShardedContrastiveStep(objective).FeatureGradients(new ClipFeatures(student.Image.narrow(0, 0, rows), student.Text.narrow(0, 0, rows)), 0, student, teacher);
        }
        return new ChildResult(startup, ProcessMemory.PeakResident(), clock.Elapsed.TotalSeconds);
    }
}
