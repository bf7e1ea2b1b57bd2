using TinyClip.Configuration;
using TinyClip.Data.Ordering;
using Akka.Actor;
using Akka.Configuration;
using TinyClip.Actors.Configuration;
using TinyClip.Actors.Persistence;
using TinyClip.Actors.Runtime;
using AkkaTestKit = Akka.TestKit.Xunit2.TestKit;

namespace TinyClip.Actors.Tests.Persistence;

/// <summary>The supervisor on a real SQLite journal file: what one actor system recorded, the next one resumes from.</summary>
public sealed class StageSupervisorRecoveryTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tinyclip-supervisor-").FullName;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    private const string TwoStages = """
        tinyclip.plan {
          stages = [t, s]
          t { kind = teacher, model = tiny-test, steps = 30, warmup-steps = 2 }
          s { kind = distill, model = tiny-test, init = scratch, steps = 20, warmup-steps = 2 }
        }
        """;

    private Config SystemConfig => JournalConfig.Sqlite(Path.Combine(_directory, "journal.db"), 5000)
        .WithFallback(TinyClipConfig.Reference);

    private static PlanSettings Plan(string text) =>
        PlanSettings.Read(ConfigurationFactory.ParseString(text).WithFallback(TinyClipConfig.Reference));

    private static StageSupervisorSettings Settings => new("run:test", 42, "manifest-1", SnapshotEveryEvents: 3, MaxStageRestarts: 2, TimeSpan.FromMilliseconds(50));

    /// <summary>This process's (probe) worker group with two CPU trainers, as single-process mode registers it.</summary>
    private static TrainerNode Local(IActorRef workers) => new("local", workers, new[] { "cpu", "cpu" });

    [Fact]
    public async Task A_restarted_supervisor_replays_its_journal_and_resumes_at_the_last_checkpoint()
    {
        var plan = Plan(TwoStages);
        using (var first = new AkkaTestKit(SystemConfig))
        {
            var workers = first.CreateTestProbe();
            var listener = first.CreateTestProbe();
            var supervisor = first.Sys.ActorOf(StageSupervisor.Props(plan, Settings, null, listener, Local(workers)));
            var run = workers.ExpectMsg<RunStage>(Wait).Assignment;
            Assert.Equal(("t", 1, 0), (run.Stage.Name, run.Generation, run.ResumeFrom.Count));
            Assert.Equal("scratch", run.StudentInit);
            Assert.Null(run.TeacherCheckpoint);
            supervisor.Tell(new CheckpointWritten("t", 1, 10, 640, new Cursor(10, [new LanePosition(0, 10)]), "t-10.safetensors", "aa"));
            supervisor.Tell(new CheckpointWritten("t", 1, 20, 1280, new Cursor(20, [new LanePosition(0, 20)]), "t-20.safetensors", "bb"));
            supervisor.Tell(new CheckpointWritten("t", 7, 25, 1600, new Cursor(25, [new LanePosition(0, 25)]), "stale-generation.safetensors", "cc"));
            var history = await supervisor.Ask<RunHistoryReply>(GetRunHistory.Instance, Wait);
            Assert.Equal(2, history.Events.OfType<CheckpointCommitted>().Count());
        }

        using var second = new AkkaTestKit(SystemConfig);
        var workers2 = second.CreateTestProbe();
        var evaluator = second.CreateTestProbe();
        var listener2 = second.CreateTestProbe();
        var recovered = second.Sys.ActorOf(StageSupervisor.Props(plan, Settings, evaluator, listener2, Local(workers2)));
        var resumed = workers2.ExpectMsg<RunStage>(Wait).Assignment;
        Assert.Equal("t", resumed.Stage.Name);
        Assert.Equal(1, resumed.Generation); // same members: no new generation
        Assert.Equal(new[] { 20L, 10L }, resumed.ResumeFrom.Select(c => c.Step));
        Assert.Equal("t-20.safetensors", resumed.ResumeFrom[0].File);

        recovered.Tell(new StageFinished("t", 1, "t-final.safetensors", "dd", new Dictionary<string, double> { ["samples_per_second"] = 12.5 }));
        Assert.Equal(("t", 30L, "t-final.safetensors"), Tuple(evaluator.ExpectMsg<EvaluateCheckpoint>(Wait)));
        var next = workers2.ExpectMsg<RunStage>(Wait).Assignment;
        Assert.Equal("s", next.Stage.Name);
        Assert.Equal("t-final.safetensors", next.TeacherCheckpoint);
        Assert.Empty(next.ResumeFrom);

        recovered.Tell(new StageFinished("s", 1, "s-final.safetensors", "ee", new Dictionary<string, double>()));
        Assert.Equal(("s", 20L, "s-final.safetensors"), Tuple(evaluator.ExpectMsg<EvaluateCheckpoint>(Wait)));
        listener2.ExpectNoMsg(TimeSpan.FromMilliseconds(300)); // evaluations still pending
        recovered.Tell(new EvaluationFinished("t", 30, new Dictionary<string, double> { ["zero_shot_top1"] = 0.9 }));
        recovered.Tell(new EvaluationFinished("s", 20, new Dictionary<string, double> { ["zero_shot_top1"] = 0.7 }));
        Assert.True(listener2.ExpectMsg<RunFinished>(Wait).Succeeded);

        var events = (await recovered.Ask<RunHistoryReply>(GetRunHistory.Instance, Wait)).Events;
        Assert.Equal(
            new[] { "RunPlanned", "WorkersChanged", "StageStarted", "CheckpointCommitted", "CheckpointCommitted", "StageCompleted",
                    "StageStarted", "StageCompleted", "EvalRecorded", "EvalRecorded", "RunCompleted" },
            events.Select(e => e.GetType().Name));
    }

    [Fact]
    public async Task Skipped_evaluations_are_recorded_final_students_are_always_asked_for_and_the_journal_replays()
    {
        var plan = Plan(TwoStages.Replace("steps = 30,", "steps = 30, eval-every-steps = 10,"));
        using (var first = new AkkaTestKit(SystemConfig))
        {
            var workers = first.CreateTestProbe();
            var evaluator = first.CreateTestProbe();
            var listener = first.CreateTestProbe();
            var supervisor = first.Sys.ActorOf(StageSupervisor.Props(plan, Settings, evaluator, listener, Local(workers)));
            workers.ExpectMsg<RunStage>(Wait);
            supervisor.Tell(new CheckpointWritten("t", 1, 10, 640, new Cursor(10, [new LanePosition(0, 10)]), "t-10.safetensors", "aa"));
            supervisor.Tell(new CheckpointWritten("t", 1, 20, 1280, new Cursor(20, [new LanePosition(0, 20)]), "t-20.safetensors", "bb"));
            Assert.Equal(new EvaluateCheckpoint("t", 10, "t-10.safetensors", Final: false), evaluator.ExpectMsg<EvaluateCheckpoint>(Wait));
            Assert.Equal(new EvaluateCheckpoint("t", 20, "t-20.safetensors", Final: false), evaluator.ExpectMsg<EvaluateCheckpoint>(Wait));
            // The evaluator took step 20 while step 10 was still waiting.
            supervisor.Tell(new EvaluationSkipped("t", 10, "t", 20));
            supervisor.Tell(new EvaluationFinished("t", 20, new Dictionary<string, double> { ["val_loss"] = 1.5 }));
            supervisor.Tell(new StageFinished("t", 1, "t-final.safetensors", "cc", new Dictionary<string, double>()));
            Assert.Equal(new EvaluateCheckpoint("t", 30, "t-final.safetensors", Final: true), evaluator.ExpectMsg<EvaluateCheckpoint>(Wait));
            workers.ExpectMsg<RunStage>(Wait);
            supervisor.Tell(new StageFinished("s", 1, "s-final.safetensors", "dd", new Dictionary<string, double>()));
            Assert.Equal(new EvaluateCheckpoint("s", 20, "s-final.safetensors", Final: true), evaluator.ExpectMsg<EvaluateCheckpoint>(Wait));
            supervisor.Tell(new EvaluationFinished("t", 30, new Dictionary<string, double> { ["val_loss"] = 1.2 }));
            listener.ExpectNoMsg(TimeSpan.FromMilliseconds(300)); // the last stage's final student is not evaluated yet
            supervisor.Tell(new EvaluationFinished("s", 20, new Dictionary<string, double> { ["val_loss"] = 1.4 }));
            Assert.True(listener.ExpectMsg<RunFinished>(Wait).Succeeded);
        }

        // Replayed by a new incarnation (events and a snapshot every 3): the skip is in the history, the run complete.
        using var second = new AkkaTestKit(SystemConfig);
        var listener2 = second.CreateTestProbe();
        var recovered = second.Sys.ActorOf(StageSupervisor.Props(plan, Settings, second.CreateTestProbe(), listener2, Local(second.CreateTestProbe())));
        Assert.True(listener2.ExpectMsg<RunFinished>(Wait).Succeeded);
        var events = (await recovered.Ask<RunHistoryReply>(GetRunHistory.Instance, Wait)).Events;
        var skipped = Assert.Single(events.OfType<EvalSkipped>());
        Assert.Equal(("t", 10L, "t", 20L), (skipped.Stage, skipped.Step, skipped.NewerStage, skipped.NewerStep));
        Assert.Equal(new[] { ("t", 20L), ("t", 30L), ("s", 20L) }, events.OfType<EvalRecorded>().Select(e => (e.Stage, e.Step)));
    }

    [Fact]
    public void A_restart_with_another_plan_is_refused_with_a_clear_message()
    {
        using (var first = new AkkaTestKit(SystemConfig))
        {
            var workers = first.CreateTestProbe();
            first.Sys.ActorOf(StageSupervisor.Props(Plan(TwoStages), Settings, null, first.CreateTestProbe(), Local(workers)));
            workers.ExpectMsg<RunStage>(Wait);
        }
        using var second = new AkkaTestKit(SystemConfig);
        var listener = second.CreateTestProbe();
        var changed = Plan(TwoStages.Replace("steps = 20", "steps = 21"));
        second.Sys.ActorOf(StageSupervisor.Props(changed, Settings, null, listener, Local(second.CreateTestProbe())));
        var finished = listener.ExpectMsg<RunFinished>(Wait);
        Assert.False(finished.Succeeded);
        Assert.Contains("another plan", finished.Message);
    }

    [Fact]
    public void A_failed_stage_is_retried_in_a_new_generation_then_given_up()
    {
        using var kit = new AkkaTestKit(SystemConfig);
        var workers = kit.CreateTestProbe();
        var listener = kit.CreateTestProbe();
        var supervisor = kit.Sys.ActorOf(StageSupervisor.Props(Plan(TwoStages), Settings, null, listener, Local(workers)));
        Assert.Equal(1, workers.ExpectMsg<RunStage>(Wait).Assignment.Generation);
        supervisor.Tell(new StageFailed("t", 1, "boom", Fatal: false));
        Assert.Equal(2, workers.ExpectMsg<RunStage>(Wait).Assignment.Generation);
        supervisor.Tell(new StageFailed("t", 2, "boom", Fatal: false));
        Assert.Equal(3, workers.ExpectMsg<RunStage>(Wait).Assignment.Generation);
        supervisor.Tell(new StageFailed("t", 3, "boom again", Fatal: false));
        var finished = listener.ExpectMsg<RunFinished>(Wait);
        Assert.False(finished.Succeeded);
        Assert.Contains("boom again", finished.Message);
    }

    [Fact]
    public void Events_and_snapshots_round_trip_through_the_serializer()
    {
        using var kit = new AkkaTestKit(SystemConfig);
        var serialization = kit.Sys.Serialization;
        var events = new IStageEvent[]
        {
            new RunPlanned("abc", "manifest-1", new[] { "a", "b" }, DateTimeOffset.UnixEpoch),
            new EvalRecorded("a", 5, new Dictionary<string, double> { ["top1"] = 0.25, ["nan"] = double.NaN }, DateTimeOffset.UnixEpoch),
            new EvalSkipped("a", 3, "b", 7, DateTimeOffset.UnixEpoch),
        };
        var snapshot = new RunSnapshot(events);
        var serializer = serialization.FindSerializerFor(snapshot);
        Assert.IsType<TinyClipSerializer>(serializer);
        var back = (RunSnapshot)serialization.Deserialize(serializer.ToBinary(snapshot), serializer.Identifier, nameof(RunSnapshot));
        var planned = Assert.IsType<RunPlanned>(back.Events[0]);
        Assert.Equal(("abc", "manifest-1", DateTimeOffset.UnixEpoch), (planned.PlanHash, planned.ManifestHash, planned.At));
        Assert.Equal(new[] { "a", "b" }, planned.Stages);
        var eval = (EvalRecorded)back.Events[1];
        Assert.Equal(0.25, eval.Metrics["top1"]);
        Assert.True(double.IsNaN(eval.Metrics["nan"]));
        Assert.Equal(events[2], back.Events[2]);
    }

    private static (string, long, string) Tuple(EvaluateCheckpoint e) => (e.Stage, e.Step, e.File);

    public void Dispose()
    {
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
