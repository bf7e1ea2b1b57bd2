using TinyClip.Configuration;
using TinyClip.Data.Ordering;
using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using TinyClip.Actors.Collectives;
using TinyClip.Actors.Configuration;
using TinyClip.Actors.Persistence;
using TinyClip.Actors.Runtime;
using AkkaTestKit = Akka.TestKit.Xunit2.TestKit;

namespace TinyClip.Actors.Tests.Runtime;

/// <summary>
/// How the supervisor forms generations from registered nodes (as in cluster mode, with probes for the node agents
/// and a real SQLite journal): rank order, node loss, nodes joining at a checkpoint, the end of the run.
/// </summary>
public sealed class SupervisorMembershipTests : AkkaTestKit, IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);
    // Each test has its own journal file in this directory (the base constructor needs it before any instance field).
    private static readonly string JournalDirectory = Directory.CreateTempSubdirectory("tinyclip-membership-").FullName;
    private const string A = "akka.tcp://tinyclip@127.0.0.1:4001", B = "akka.tcp://tinyclip@127.0.0.1:4002", C = "akka.tcp://tinyclip@127.0.0.1:4003";
    private const string RunManifest = "manifest-of-the-run";

    public SupervisorMembershipTests() : base(JournalConfig.Sqlite(Path.Combine(JournalDirectory, Guid.NewGuid() + ".db"), 5000)
        .WithFallback(TinyClipConfig.Reference)) { }

    private static PlanSettings Plan => PlanSettings.Read(ConfigurationFactory.ParseString("""
        tinyclip.plan {
          stages = [s]
          s { kind = teacher, model = tiny-test, steps = 30, batch-size = 12, warmup-steps = 2 }
        }
        """).WithFallback(TinyClipConfig.Reference));

    private IActorRef Supervisor(int minTrainerNodes, Func<IReadOnlyCollection<string>>? expected = null) =>
        Sys.ActorOf(StageSupervisor.Props(Plan, new StageSupervisorSettings("run:membership", 42, RunManifest, SnapshotEveryEvents: 100, MaxStageRestarts: 2,
            TimeSpan.FromMilliseconds(50), minTrainerNodes, NewGenerationOnStart: true, expected), evaluator: null, CreateTestProbe()));

    private static void Register(TestProbe agent, IActorRef supervisor, string address, params string[] devices) =>
        agent.Send(supervisor, new RegisterNode(address, devices, RunManifest));

    private static RunHistoryReply History(IActorRef supervisor) => supervisor.Ask<RunHistoryReply>(GetRunHistory.Instance, Wait).GetAwaiter().GetResult();

    [Fact]
    public void The_first_generation_waits_for_enough_trainers_and_ranks_nodes_by_address()
    {
        var supervisor = Supervisor(minTrainerNodes: 2);
        var (a, b, observer) = (CreateTestProbe(), CreateTestProbe(), CreateTestProbe());
        Register(b, supervisor, B, "cpu", "cpu");
        Register(observer, supervisor, C); // a coordinator-only node: no trainers, never part of a generation
        b.ExpectNoMsg(TimeSpan.FromMilliseconds(500));
        Register(a, supervisor, A, "cpu");

        var toA = a.ExpectMsg<RunStage>(Wait);
        var toB = b.ExpectMsg<RunStage>(Wait);
        observer.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.Equal(new[] { new NodeSlot(A, 0, 1), new NodeSlot(B, 1, 2) }, toA.Topology.Nodes);
        Assert.Equal((0, 1), (toA.Topology.ThisNode, toB.Topology.ThisNode));
        Assert.Equal(3, toB.Topology.WorldSize);
        Assert.Equal(1, toA.Assignment.Generation);
        var changed = Assert.Single(History(supervisor).Events.OfType<WorkersChanged>());
        Assert.Equal(new[] { $"{A}/trainer-0:cpu", $"{B}/trainer-0:cpu", $"{B}/trainer-1:cpu" }, changed.Members);
    }

    [Fact]
    public void A_lost_node_starts_a_new_generation_from_the_last_commit_and_a_new_node_joins_at_the_next_checkpoint()
    {
        var supervisor = Supervisor(minTrainerNodes: 1);
        var (a, b) = (CreateTestProbe(), CreateTestProbe());
        Register(a, supervisor, A, "cpu");
        Assert.Equal(1, a.ExpectMsg<RunStage>(Wait).Topology.WorldSize);
        Register(b, supervisor, B, "cpu");
        b.ExpectNoMsg(TimeSpan.FromMilliseconds(300)); // joins at the next checkpoint, not in the middle of a step
        supervisor.Tell(new CheckpointWritten("s", 1, 10, 120, new Cursor(10, [new LanePosition(0, 10)]), "s-10.safetensors", "aa"));
        var first = a.ExpectMsg<RunStage>(Wait);
        b.ExpectMsg<RunStage>(Wait);
        Assert.Equal((2, 2, 10L), (first.Assignment.Generation, first.Topology.WorldSize, first.Assignment.ResumeFrom[0].Step));

        supervisor.Tell(new CheckpointWritten("s", 2, 20, 240, new Cursor(20, [new LanePosition(0, 20)]), "s-20.safetensors", "bb"));
        Sys.Stop(b.Ref); // node B's process dies: its agent terminates
        var survivor = a.ExpectMsg<RunStage>(Wait);
        Assert.Equal(3, survivor.Assignment.Generation);
        Assert.Equal(new[] { new NodeSlot(A, 0, 1) }, survivor.Topology.Nodes);
        Assert.Equal(20, survivor.Assignment.ResumeFrom[0].Step);
        Assert.Equal(12, survivor.Assignment.Stage.BatchSize); // the same global batch with fewer trainers

        // A late report of the lost generation is ignored; the survivor's reports are committed.
        supervisor.Tell(new CheckpointWritten("s", 2, 25, 300, new Cursor(25, [new LanePosition(0, 25)]), "stale.safetensors", "cc"));
        supervisor.Tell(new CheckpointWritten("s", 3, 25, 300, new Cursor(25, [new LanePosition(0, 25)]), "s-25.safetensors", "dd"));
        var history = History(supervisor).Events;
        Assert.Equal(new long[] { 10, 20, 25 }, history.OfType<CheckpointCommitted>().Select(c => c.Step));
        Assert.Equal(new[] { 1, 2, 3 }, history.OfType<WorkersChanged>().Select(w => w.Generation));
        Assert.Equal(new[] { 1, 2, 1 }, history.OfType<WorkersChanged>().Select(w => w.Members.Count));
    }

    [Fact]
    public void After_a_move_the_supervisor_waits_for_every_trainer_the_cluster_reports_up()
    {
        var supervisor = Supervisor(minTrainerNodes: 1, expected: () => new[] { A, B });
        var (a, b) = (CreateTestProbe(), CreateTestProbe());
        Register(a, supervisor, A, "cpu");
        a.ExpectNoMsg(TimeSpan.FromMilliseconds(500));
        Register(b, supervisor, B, "cpu");
        Assert.Equal(2, a.ExpectMsg<RunStage>(Wait).Topology.WorldSize);
    }

    [Fact]
    public void A_failure_while_a_member_is_unreachable_waits_for_the_cluster_instead_of_spending_restarts()
    {
        var reachable = new HashSet<string> { A, B };
        var supervisor = Supervisor(minTrainerNodes: 2, expected: () => reachable.ToList());
        var (a, b) = (CreateTestProbe(), CreateTestProbe());
        Register(a, supervisor, A, "cpu");
        Register(b, supervisor, B, "cpu");
        a.ExpectMsg<RunStage>(Wait);
        b.ExpectMsg<RunStage>(Wait);

        // B died: A's collectives fail at once, long before the cluster marks B unreachable and downs it.
        reachable.Remove(B);
        for (int i = 0; i < 5; i++) supervisor.Tell(new StageFailed("s", 1, $"node {B} left", Fatal: false));
        a.ExpectNoMsg(TimeSpan.FromMilliseconds(600)); // no retries into the dead node, however many reports
        Sys.Stop(b.Ref); // the cluster downed B: its agent terminates

        var survivor = a.ExpectMsg<RunStage>(Wait);
        Assert.Equal(new[] { new NodeSlot(A, 0, 1) }, survivor.Topology.Nodes);
        a.ExpectNoMsg(TimeSpan.FromMilliseconds(300)); // the stale retry does not start the stage a second time
        Assert.DoesNotContain(History(supervisor).Events, e => e is StageCompleted);
    }

    [Fact]
    public void The_end_of_the_run_is_told_to_every_node_including_late_ones()
    {
        var supervisor = Supervisor(minTrainerNodes: 1);
        var (a, observer, late) = (CreateTestProbe(), CreateTestProbe(), CreateTestProbe());
        Register(observer, supervisor, C);
        Register(a, supervisor, A, "cpu");
        a.ExpectMsg<RunStage>(Wait);
        supervisor.Tell(new StageFinished("s", 1, "s.safetensors", "ee", new Dictionary<string, double>()));
        Assert.True(a.ExpectMsg<RunFinished>(Wait).Succeeded);
        Assert.True(observer.ExpectMsg<RunFinished>(Wait).Succeeded);
        Register(late, supervisor, B, "cpu");
        Assert.True(late.ExpectMsg<RunFinished>(Wait).Succeeded);
    }

    [Fact]
    public void A_node_with_other_training_data_is_refused_and_never_trains()
    {
        var supervisor = Supervisor(minTrainerNodes: 1);
        var (a, other) = (CreateTestProbe(), CreateTestProbe());
        other.Send(supervisor, new RegisterNode(B, new[] { "cpu" }, "manifest-of-other-data"));
        var refused = other.ExpectMsg<NodeRefused>(Wait);
        Assert.Contains("manifest-of-other-data", refused.Reason);
        Assert.Contains(RunManifest, refused.Reason);

        Register(a, supervisor, A, "cpu");
        Assert.Equal(1, a.ExpectMsg<RunStage>(Wait).Topology.WorldSize);
        supervisor.Tell(new CheckpointWritten("s", 1, 10, 120, new Cursor(10, [new LanePosition(0, 10)]), "s-10.safetensors", "aa"));
        Assert.Equal(new[] { $"{A}/trainer-0:cpu" }, History(supervisor).Events.OfType<WorkersChanged>().Single().Members);
    }

    [Fact]
    public async Task A_refused_node_ends_failed_with_the_reason()
    {
        var supervisor = CreateTestProbe();
        var completion = new TaskCompletionSource<RunFinished>(TaskCreationOptions.RunContinuationsAsynchronously);
        Sys.ActorOf(Cluster.NodeAgent.Props(supervisor, new RegisterNode(B, new[] { "cpu" }, "manifest-of-other-data"), null, completion, TimeSpan.FromMinutes(1)));
        supervisor.ExpectMsg<RegisterNode>(Wait);

        supervisor.Reply(new NodeRefused("its training data differs"));

        var finished = await completion.Task.WaitAsync(Wait);
        Assert.Equal(new RunFinished(false, "its training data differs"), finished);
    }

    [Fact]
    public void Cluster_messages_round_trip_through_the_serializer()
    {
        var run = new RunStage(Training.TrainingFixtures.Assignment(Training.TrainingFixtures.Stage(StageKind.Distill, 10, 8), "teacher.safetensors",
                new[] { new CheckpointRef("f", "sha", 4, new Cursor(4, [new LanePosition(0, 4)])) }),
            new CollectiveTopology(3, new[] { new NodeSlot(A, 0, 1), new NodeSlot(B, 1, 2) }, 1));
        var register = new RegisterNode(A, new[] { "cpu", "cuda:1" }, RunManifest);
        foreach (var message in new object[] { run, register, new NodeRefused("other data") })
        {
            var serializer = Sys.Serialization.FindSerializerFor(message);
            Assert.IsType<TinyClipSerializer>(serializer);
            var back = Sys.Serialization.Deserialize(serializer.ToBinary(message), serializer.Identifier, message.GetType().Name);
            Assert.Equal(System.Text.Json.JsonSerializer.Serialize(message, message.GetType(), TinyClipSerializer.Json),
                System.Text.Json.JsonSerializer.Serialize(back, back.GetType(), TinyClipSerializer.Json));
        }
        var topology = ((RunStage)Sys.Serialization.Deserialize(Sys.Serialization.FindSerializerFor(run).ToBinary(run), 4711, nameof(RunStage))).Topology;
        Assert.Equal(run.Topology.Nodes, topology.Nodes);
        Assert.Equal(3, topology.WorldSize);
    }

    void IDisposable.Dispose()
    {
        Shutdown();
        try { Directory.Delete(JournalDirectory, recursive: true); } catch (IOException) { }
    }
}
