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
        var section = new BenchmarkSection("12. Large batches: gradient caching, activation checkpointing, row-sharded loss, bfloat16 teacher",
            $"*Step*: a distill step of {Student} from a {Teacher} (random weights, 64 px, the runtime's `TrainerCore.Train`: teacher forward, " +
            "student forward, loss, backward, clipping, AdamW) on one CPU trainer. Memory: each configuration in a child process of its own, 3 steps; " +
            "the child's peak RSS (VmHWM) less its RSS before the first step, with glibc's default allocator (RSS) and again with every allocation " +
            "over 64 KiB returned to the system when freed (`MALLOC_MMAP_THRESHOLD_=65536`: live memory, what the step really holds). Times: the " +
            $"configurations compared in one child process, their steps alternating, one warm-up step each then {options.Pick(2, 5)} timed. " +
            $"*Loss*: one trainer's loss and feature gradients at N = {lossRows} (512-wide random unit features, student and teacher) as 1 of W = 3 " +
            "trainers: the whole N x N loss (`ShardedContrastiveStep.FeatureGradients`) vs its own rows (`RowShardedLoss.Contribution`), in child processes. " +
            "*Teacher*: the teacher's forward (image and text towers, no gradient) in float32 and in bfloat16 on the same inputs, alternating, " +
            "and the largest relative difference of the normalised features (max |bf16 - fp32| / max |fp32|).")
            .Columns("measure", "configuration", "value", "ratio");

        async Task<string> Run(string[] args, bool liveMemory = false)
        {
            var start = ChildProcess.ThisProgram([ChildCommand, .. args]);
            // glibc hands every block over 64 KiB back to the system when freed: peak RSS is then the peak of live memory.
            if (liveMemory) start.Environment["MALLOC_MMAP_THRESHOLD_"] = "65536";
            var output = await ChildProcess.RunAsync(start, TimeSpan.FromMinutes(20), cancellationToken);
            return output.Trim().Split('\n')[^1];
        }
        async Task<ChildResult> Child(string[] args, bool liveMemory = false) => JsonSerializer.Deserialize<ChildResult>(await Run(args, liveMemory))!;
        double MiB(ChildResult r) => (r.PeakBytes - r.StartupBytes) / 1048576.0;
        async Task<(ChildResult Default, ChildResult Live)> Memory(int batch, string configuration) =>
            (await Child(["step", batch.ToString(), configuration]), await Child(["step", batch.ToString(), configuration], liveMemory: true));
        async Task<Spread[]> Times(int batch, params string[] configurations) =>
            JsonSerializer.Deserialize<double[][]>(await Run(["times", batch.ToString(), options.Pick(2, 5).ToString(), .. configurations]))!
                .Select(Spread.Of).ToArray();
        string Megabytes((ChildResult Default, ChildResult Live) r) => $"{MiB(r.Default):F0} MiB RSS, {MiB(r.Live):F0} MiB live";
        string MemoryRatio((ChildResult Default, ChildResult Live) r, (ChildResult Default, ChildResult Live) baseline) =>
            $"RSS {MiB(r.Default) / MiB(baseline.Default):F2}, live {MiB(r.Live) / MiB(baseline.Live):F2}";

        int checkpointBatch = options.Pick(64, 256);
        string cachedConfiguration = $"{micro}:off", checkpointedConfiguration = $"{micro}:on";
        var small = await Memory(64, "0:off");
        var cached = await Memory(large, cachedConfiguration);
        var cachedCheckpointed = await Memory(large, checkpointedConfiguration);
        var plain = await Memory(large, "0:off");
        section.Row("step memory", "batch 64, whole", Megabytes(small), "1.00");
        section.Row("step memory", $"batch {large}, micro-batches of {micro}", Megabytes(cached), MemoryRatio(cached, small) + " (target <= 1.5)");
        section.Row("step memory", $"batch {large}, micro-batches of {micro}, activation checkpointing", Megabytes(cachedCheckpointed), MemoryRatio(cachedCheckpointed, small));
        section.Row("step memory", $"batch {large}, whole", Megabytes(plain), MemoryRatio(plain, small));
        var largeTimes = await Times(large, "0:off", cachedConfiguration, checkpointedConfiguration);
        section.Row("step time", $"batch {large}, whole", $"{largeTimes[0].Format("F2")} s", "1.00");
        section.Row("step time", $"batch {large}, micro-batches of {micro}", $"{largeTimes[1].Format("F2")} s",
            (largeTimes[1].Median / largeTimes[0].Median).ToString("F2") + " (target <= 1.35)");
        section.Row("step time", $"batch {large}, micro-batches of {micro}, activation checkpointing", $"{largeTimes[2].Format("F2")} s",
            (largeTimes[2].Median / largeTimes[0].Median).ToString("F2"));
        var plainMid = await Memory(checkpointBatch, "0:off");
        var checkpointed = await Memory(checkpointBatch, "0:on");
        section.Row("step memory", $"batch {checkpointBatch}, whole", Megabytes(plainMid), "1.00");
        section.Row("step memory", $"batch {checkpointBatch}, whole, activation checkpointing", Megabytes(checkpointed), MemoryRatio(checkpointed, plainMid));
        var midTimes = await Times(checkpointBatch, "0:off", "0:on");
        section.Row("step time", $"batch {checkpointBatch}, whole", $"{midTimes[0].Format("F2")} s", "1.00");
        section.Row("step time", $"batch {checkpointBatch}, whole, activation checkpointing", $"{midTimes[1].Format("F2")} s",
            (midTimes[1].Median / midTimes[0].Median).ToString("F2"));

        var whole = await Child(["loss", lossRows.ToString(), "whole"]);
        var rows = await Child(["loss", lossRows.ToString(), "rows"]);
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
        object result = args[0] switch
        {
            "step" => StepMemory(int.Parse(args[1]), args[2], scratch.Path),
            "times" => StepTimes(int.Parse(args[1]), int.Parse(args[2]), args[3..], scratch.Path),
            _ => Loss(int.Parse(args[1]), args[2] == "rows"),
        };
        Console.WriteLine(JsonSerializer.Serialize(result));
        return 0;
    });

    /// <summary>A trainer of the step configuration "micro-batch:checkpointing" (e.g. "64:on"), with its own batches.</summary>
    private sealed class StepRunner : IDisposable
    {
        private readonly TrainerCore _core;
        private readonly List<TinyClip.Data.Pipeline.TrainingBatch> _batches;

        public StepRunner(int batch, string configuration, string teacher, string directory)
        {
            var parts = configuration.Split(':');
            var stage = StandaloneTrainer.Stage(Student, batch, steps: 1_000) with
            {
                Kind = StageKind.Distill,
                Loss = new LossSpec(Alpha: 1, Weight: 1, FixedLogitScale: 50, LearnableLogitScale: false, TeacherOwnLogitScale: false),
                MicroBatchSize = int.Parse(parts[0]),
                ActivationCheckpointing = parts[1] == "on",
            };
            var assignment = StandaloneTrainer.Assignment(stage) with { TeacherCheckpoint = teacher, TeacherModel = Teacher };
            var setup = new TrainerSetup(assignment, 0, 1, Cursor.Start(1), true, "cpu", directory, ClipPresets.Get(Student).Text.VocabSize, 1, 100, false,
                IntraOpThreads: TorchSharp.torch.get_num_threads());
            _core = TrainerCore.Create(setup, new InProcessCollectiveGroup(1, TimeSpan.FromMinutes(5)).Members[0]);
            _batches = Enumerable.Range(0, 16).Select(i => StandaloneTrainer.RandomBatch(_core.Student.Config, batch, i)).ToList();
        }

        public void Step() => _core.Train(_batches[(int)_core.Step % _batches.Count], stopRequested: false);

        public void Dispose() => _core.Dispose();
    }

    private static string SaveTeacher(string directory)
    {
        var teacher = Path.Combine(directory, "teacher.safetensors");
        using (var model = ClipModel.Create(ClipPresets.Get(Teacher), seed: 3)) ClipCheckpoint.Save(model, teacher);
        return teacher;
    }

    /// <summary>Memory of one configuration: its process's peak RSS growth over a warm-up step and 2 more.</summary>
    private static ChildResult StepMemory(int batch, string configuration, string directory)
    {
        using var runner = new StepRunner(batch, configuration, SaveTeacher(directory), directory);
        long startup = ProcessMemory.Resident();
        for (int i = 0; i < 3; i++) runner.Step();
        return new ChildResult(startup, ProcessMemory.PeakResident(), 0);
    }

    /// <summary>Step times of several configurations in one process, their steps alternating (load changes hit all alike).</summary>
    private static double[][] StepTimes(int batch, int repeats, string[] configurations, string directory)
    {
        var teacher = SaveTeacher(directory);
        var runners = configurations.Select(c => new StepRunner(batch, c, teacher, directory)).ToList();
        try
        {
            var seconds = configurations.Select(_ => new List<double>()).ToArray();
            for (int r = -1; r < repeats; r++)
                for (int c = 0; c < runners.Count; c++)
                {
                    var time = Stopwatches.Time(runners[c].Step);
                    if (r >= 0) seconds[c].Add(time);
                }
            return seconds.Select(s => s.ToArray()).ToArray();
        }
        finally { runners.ForEach(r => r.Dispose()); }
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
