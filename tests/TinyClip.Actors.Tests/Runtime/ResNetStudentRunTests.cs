using TinyClip.Actors.Monitoring;
using TinyClip.Actors.Persistence;
using TinyClip.Actors.Runtime;
using TinyClip.Configuration;
using TinyClip.Model;

namespace TinyClip.Actors.Tests.Runtime;

/// <summary>
/// A whole single-process run with ModifiedResNet image towers: a tiny ResNet teacher trained for 2 steps, then a
/// narrower, shallower ResNet student inherited from it (manual stage) and distilled from it for 2 steps.
/// </summary>
public sealed class ResNetStudentRunTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tinyclip-resnet-run-").FullName;

    private string RunDirectory => Path.Combine(_directory, "run");

    [Fact]
    public async Task A_ResNet_student_inherits_from_a_ResNet_teacher_and_is_distilled_through_the_runtime()
    {
        var configFile = Path.Combine(_directory, "run.conf");
        await File.WriteAllTextAsync(configFile, """
            tinyclip {
              run.name = resnet-test
              devices = [cpu]
              synthetic-data { generate = on, train = 64, val = 16, image-size = 64 }
              tokenizer.vocabulary-size = 600
              eval.max-samples = 16
              plan {
                stages = [teacher, student]
                teacher { kind = teacher, model = tiny-resnet-test, init = scratch, steps = 2, batch-size = 8, warmup-steps = 1 }
                student { kind = manual, model = tiny-resnet-test-half, init = previous, steps = 2, batch-size = 8, warmup-steps = 1 }
              }
            }
            """);
        var config = TinyClipConfig.Load(configFile, [$"tinyclip.run.dir={RunDirectory}"]);

        var outcome = await RunHost.RunAsync(config, new SilentConsole(), CancellationToken.None);

        Assert.True(outcome.Succeeded, outcome.Message);
        var completed = outcome.Events.OfType<StageCompleted>().ToDictionary(e => e.Stage);
        Assert.Equal(["student", "teacher"], completed.Keys.Order());
        using var teacher = ClipCheckpoint.LoadModel(Path.Combine(RunDirectory, completed["teacher"].File));
        using var student = ClipCheckpoint.LoadModel(Path.Combine(RunDirectory, completed["student"].File));
        Assert.Equal(ClipPresets.Get("tiny-resnet-test-half", vocabSize: 600), student.Config);
        var teacherState = teacher.StateDictForSave();
        var studentState = student.StateDictForSave();
        // BatchNorm ran in train mode for the student's own 2 steps, on top of the 2 of the teacher it inherited from;
        // the frozen teacher (eval mode) added none while it was distilled from.
        Assert.Equal(2L, teacherState["visual.layer1.0.bn1.num_batches_tracked"].item<long>());
        Assert.Equal(4L, studentState["visual.layer1.0.bn1.num_batches_tracked"].item<long>());
        // ... and its running statistics moved away from the teacher's channels it started from.
        Assert.NotEqual(teacherState["visual.bn1.running_mean"].narrow(0, 0, 2).data<float>().ToArray(), studentState["visual.bn1.running_mean"].data<float>().ToArray());
        // Every weight and statistic of both is a number (NaN gradients of the CPU convolutions once made them NaN).
        Assert.All(teacherState.Concat(studentState), entry => Assert.False(entry.Value.isnan().any().item<bool>(), entry.Key));
    }

    public void Dispose()
    {
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }

    private sealed class SilentConsole : IRunConsole
    {
        public void Progress(ProgressUpdate update) { }
        public void Log(string line) { }
    }
}
