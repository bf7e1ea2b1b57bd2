using System.Runtime.CompilerServices;
using Akka.Actor;
using TinyClip.Actors.Collectives;
using TinyClip.Actors.Configuration;
using TinyClip.Actors.Runtime;
using TinyClip.Actors.Tests.Training;
using TinyClip.Actors.Training;
using TinyClip.Configuration;
using TinyClip.Data.Ordering;
using TinyClip.Data.Pipeline;
using TinyClip.Model;
using AkkaTestKit = Akka.TestKit.Xunit2.TestKit;

namespace TinyClip.Actors.Tests.Runtime;

/// <summary>The worker group's protocol with the supervisor, with real trainers on a tiny model and synthetic batches.</summary>
public sealed class WorkerGroupProtocolTests : AkkaTestKit, IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private readonly string _directory = Directory.CreateTempSubdirectory("tinyclip-group-").FullName;

    public WorkerGroupProtocolTests() : base(TinyClipConfig.Reference) { }

    /// <summary>Synthetic global batches from a cursor; optionally fails after some batches.</summary>
    private sealed class SyntheticData(int failAfter = int.MaxValue) : IStageDataSource
    {
        public long FirstBatchRead { get; private set; } = -1;

        public Cursor Start(StageSpec stage) => TrainingFixtures.Start;

        public DataWork Work => DataWork.None;

        public async IAsyncEnumerable<TrainingBatch> Read(StageSpec stage, Cursor from, RowRange rows, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            FirstBatchRead = from.GlobalBatch;
            for (long g = from.GlobalBatch; ; g++)
            {
                if (g - from.GlobalBatch >= failAfter) throw new IOException("disk on fire");
                await Task.Yield();
                cancellationToken.ThrowIfCancellationRequested();
                yield return TrainingFixtures.Batch(g, stage.BatchSize).Slice(rows);
            }
        }
    }

    private IActorRef Group(IStageDataSource data) => Sys.ActorOf(WorkerGroup.Props(
        new WorkerGroupSettings(new[] { "cpu", "cpu" }, _directory, TrainingFixtures.VocabularySize, CheckpointEverySteps: 2,
            KeepLastCheckpoints: 2, MaxNonFiniteStepsInRow: 5, AllowPickle: false, BatchesInFlight: 2, TimeSpan.FromSeconds(60), ThreadsPerTrainer: 1),
        data, CreateTestProbe().Ref));

    /// <summary>The assignment for this process's two trainers alone.</summary>
    private static RunStage Run(StageAssignment assignment) =>
        new(assignment, new CollectiveTopology(assignment.Generation, new[] { new NodeSlot("local", 0, 2) }, 0));

    [Fact]
    public void A_stage_reports_checkpoints_at_the_cadence_then_its_final_student()
    {
        var supervisor = CreateTestProbe();
        var stage = TrainingFixtures.Stage(StageKind.Teacher, steps: 6, batchSize: 8);
        var group = Group(new SyntheticData());
        group.Tell(Run(TrainingFixtures.Assignment(stage, null)), supervisor.Ref);

        var checkpoints = new[] { supervisor.ExpectMsg<CheckpointWritten>(Wait), supervisor.ExpectMsg<CheckpointWritten>(Wait) };
        Assert.Equal(new[] { 2L, 4L }, checkpoints.Select(c => c.Step));
        Assert.Equal(new[] { 16L, 32L }, checkpoints.Select(c => c.SamplesSeen));
        Assert.Equal(new[] { 2L, 4L }, checkpoints.Select(c => c.Cursor.GlobalBatch)); // cursor of the next step
        foreach (var c in checkpoints) Assert.Null(StageCheckpoints.Verify(new CheckpointRef(c.File, c.Sha256, c.Step, c.Cursor)));

        var finished = supervisor.ExpectMsg<StageFinished>(Wait);
        Assert.Equal(TinyClip.Model.AtomicFile.Sha256(finished.File), finished.Sha256);
        // keep-last = 2: both checkpoints of this 6-step stage are kept.
        Assert.Equal(2, Directory.GetFiles(Path.GetDirectoryName(checkpoints[0].File)!, "step-*.optim.safetensors").Length);
        using var student = ClipCheckpoint.LoadModel(finished.File);
        Assert.Equal(student.ParameterCounts().Image, (long)finished.Metrics["params_image"]);
        supervisor.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void Resuming_starts_the_feed_at_the_checkpoint_cursor_and_skips_a_corrupt_newest_checkpoint()
    {
        var supervisor = CreateTestProbe();
        var stage = TrainingFixtures.Stage(StageKind.Teacher, steps: 6, batchSize: 8);
        var first = Group(new SyntheticData());
        first.Tell(Run(TrainingFixtures.Assignment(stage, null)), supervisor.Ref);
        var c2 = supervisor.ExpectMsg<CheckpointWritten>(Wait);
        var c4 = supervisor.ExpectMsg<CheckpointWritten>(Wait);
        supervisor.ExpectMsg<StageFinished>(Wait);
        Sys.Stop(first);

        File.AppendAllText(c4.File, "tampered");
        var refs = new[] { c4, c2 }.Select(c => new CheckpointRef(c.File, c.Sha256, c.Step, c.Cursor)).ToList();
        var data = new SyntheticData();
        var resumed = Group(data);
        resumed.Tell(Run(TrainingFixtures.Assignment(stage, null, refs)), supervisor.Ref);
        Assert.Equal(4L, supervisor.ExpectMsg<CheckpointWritten>(Wait).Step); // steps 3..4 again, from checkpoint 2
        Assert.Equal(2L, data.FirstBatchRead);
        supervisor.ExpectMsg<StageFinished>(Wait);
    }

    [Fact]
    public void Only_the_last_checkpoints_are_kept()
    {
        var supervisor = CreateTestProbe();
        var stage = TrainingFixtures.Stage(StageKind.Teacher, steps: 9, batchSize: 8) with { Name = "long" };
        Group(new SyntheticData()).Tell(Run(TrainingFixtures.Assignment(stage, null)), supervisor.Ref);
        var written = Enumerable.Range(0, 4).Select(_ => supervisor.ExpectMsg<CheckpointWritten>(Wait)).ToList();
        supervisor.ExpectMsg<StageFinished>(Wait);
        Assert.Equal(new[] { 2L, 4L, 6L, 8L }, written.Select(c => c.Step));
        var remaining = Directory.GetFiles(Path.GetDirectoryName(written[0].File)!, "step-*.safetensors")
            .Select(Path.GetFileName).Order().ToList();
        Assert.Equal(new[] { "step-6.optim.safetensors", "step-6.safetensors", "step-8.optim.safetensors", "step-8.safetensors" }, remaining);
    }

    [Fact]
    public void A_failing_background_checkpoint_write_fails_the_stage_and_commits_nothing()
    {
        var supervisor = CreateTestProbe();
        var stage = TrainingFixtures.Stage(StageKind.Teacher, steps: 6, batchSize: 8);
        // A file where the stage's checkpoint directory belongs: the first write fails on the writer's thread.
        var checkpointDirectory = new StageCheckpoints(_directory, stage.Name, 2).Directory;
        Directory.CreateDirectory(Path.GetDirectoryName(checkpointDirectory)!);
        File.WriteAllText(checkpointDirectory, "not a directory");
        Group(new SyntheticData()).Tell(Run(TrainingFixtures.Assignment(stage, null)), supervisor.Ref);

        var failed = supervisor.ExpectMsg<StageFailed>(Wait);
        Assert.Contains(checkpointDirectory, failed.Reason); // from trainer 0, or from trainer 1 quoting its abort
        Assert.False(failed.Fatal);
        supervisor.ExpectNoMsg(TimeSpan.FromMilliseconds(500));
    }

    [Fact]
    public void A_failing_data_source_fails_the_stage_once()
    {
        var supervisor = CreateTestProbe();
        var stage = TrainingFixtures.Stage(StageKind.Teacher, steps: 6, batchSize: 8);
        var group = Group(new SyntheticData(failAfter: 3));
        group.Tell(Run(TrainingFixtures.Assignment(stage, null)), supervisor.Ref);
        // Checkpoint 2 is written beside training: its commit event comes before or after the failure, but it comes.
        var messages = supervisor.ReceiveN(2, Wait);
        Assert.Equal(2L, Assert.Single(messages.OfType<CheckpointWritten>()).Step);
        var failed = Assert.Single(messages.OfType<StageFailed>());
        Assert.Contains("disk on fire", failed.Reason);
        Assert.False(failed.Fatal);
        supervisor.ExpectNoMsg(TimeSpan.FromMilliseconds(500));
    }

    void IDisposable.Dispose()
    {
        Shutdown();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
