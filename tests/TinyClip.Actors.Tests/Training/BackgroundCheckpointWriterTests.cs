using TinyClip.Actors.Configuration;
using TinyClip.Actors.Training;

namespace TinyClip.Actors.Tests.Training;

/// <summary>Checkpoint writes beside training: real trainers on the tiny model, real files.</summary>
public sealed class BackgroundCheckpointWriterTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly string _directory = Directory.CreateTempSubdirectory("tinyclip-writer-").FullName;

    /// <summary>A one-trainer teacher stage after <paramref name="steps"/> steps.</summary>
    private TrainerCore TrainedCore(int steps)
    {
        var stage = TrainingFixtures.Stage(StageKind.Teacher, steps: 10, batchSize: 4);
        var core = TrainingFixtures.LoneTrainer(TrainingFixtures.LoneSetup(TrainingFixtures.Assignment(stage, null), _directory));
        for (int g = 0; g < steps; g++) core.Train(TrainingFixtures.Batch(g, 4), false);
        return core;
    }

    private StageCheckpoints Checkpoints(string run) => new(Path.Combine(_directory, run), "s", keepLast: 3);

    private static byte[][] Files(StageCheckpoints checkpoints, long step) =>
        [File.ReadAllBytes(checkpoints.StudentPath(step)), File.ReadAllBytes(checkpoints.StudentPath(step).Replace(".safetensors", ".optim.safetensors"))];

    [Fact]
    public void A_checkpoint_written_in_the_background_while_training_goes_on_is_bitwise_the_inline_one()
    {
        using var core = TrainedCore(steps: 2);
        var inline = Checkpoints("inline");
        string inlineSha;
        using (var snapshot = core.Snapshot()) inlineSha = inline.Write(snapshot);

        var background = Checkpoints("background");
        var writer = new BackgroundCheckpointWriter();
        string? backgroundSha = null;
        int writerThread = -1;
        writer.Write(core.Snapshot, snapshot =>
        {
            writerThread = Environment.CurrentManagedThreadId;
            backgroundSha = background.Write(snapshot);
        });
        // The trainer goes on at once: the next step changes every weight the write may still be copying out.
        core.Train(TrainingFixtures.Batch(2, 4), false);
        writer.WaitForPrevious();

        Assert.NotEqual(Environment.CurrentManagedThreadId, writerThread);
        Assert.Equal(inlineSha, backgroundSha);
        Assert.Equal(Files(inline, 2), Files(background, 2));
        Assert.Equal(3, core.Step);
        using var saved = TinyClip.Model.SafeTensors.Read(background.StudentPath(2));
        var now = core.Student.StateDictForSave().ToDictionary(kv => kv.Key, kv => kv.Value.data<float>().ToArray());
        Assert.Contains(saved.Tensors, kv => !kv.Value.data<float>().ToArray().SequenceEqual(now[kv.Key]));
    }

    [Fact]
    public void A_second_write_waits_for_the_one_in_flight_before_taking_its_snapshot()
    {
        using var core = TrainedCore(steps: 1);
        var checkpoints = Checkpoints("run");
        var writer = new BackgroundCheckpointWriter();
        var order = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var commitMayProceed = new ManualResetEventSlim();
        writer.Write(core.Snapshot, snapshot =>
        {
            checkpoints.Write(snapshot);
            commitMayProceed.Wait(); // the first write's commit is held back until the second write is seen waiting
            order.Enqueue("first committed");
        });
        Assert.True(writer.IsWriting);

        var second = new Thread(() => writer.Write(() =>
        {
            order.Enqueue("second snapshot");
            return core.Snapshot();
        }, snapshot => checkpoints.Write(snapshot)));
        second.Start();
        // Blocked (in the writer's wait), or, were there no back-pressure, already past its snapshot.
        Assert.True(SpinWait.SpinUntil(() => second.ThreadState.HasFlag(ThreadState.WaitSleepJoin) || !order.IsEmpty, Patience));
        Assert.Empty(order);
        commitMayProceed.Set();
        Assert.True(second.Join(Patience));
        writer.WaitForPrevious();

        Assert.Equal(new[] { "first committed", "second snapshot" }, order);
        Assert.False(writer.IsWriting);
    }

    [Fact]
    public void A_failing_write_surfaces_on_the_trainer_thread_and_nothing_is_committed()
    {
        using var core = TrainedCore(steps: 1);
        var checkpoints = Checkpoints("run");
        // A file where the stage's checkpoint directory belongs: creating the directory fails, as on a broken disk.
        Directory.CreateDirectory(Path.GetDirectoryName(checkpoints.Directory)!);
        File.WriteAllText(checkpoints.Directory, "not a directory");
        var writer = new BackgroundCheckpointWriter();
        var committed = false;
        writer.Write(core.Snapshot, snapshot =>
        {
            checkpoints.Write(snapshot);
            committed = true;
        });

        // The next write rethrows it before copying anything; the failure is reported once.
        var nextSnapshotTaken = false;
        Assert.ThrowsAny<IOException>(() => writer.Write(() => { nextSnapshotTaken = true; return core.Snapshot(); }, _ => { }));
        Assert.False(committed);
        Assert.False(nextSnapshotTaken);
        writer.ThrowIfFailed();
        writer.WaitForPrevious();
    }

    public void Dispose()
    {
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
