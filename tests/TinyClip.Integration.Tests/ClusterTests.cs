using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace TinyClip.Integration.Tests;

/// <summary>
/// Multi-node runs as real processes of the built CLI on 127.0.0.1 (distinct ports) with the supervisor's journal on a
/// real PostgreSQL: the same weights as one process with as many trainers, a trainer node killed, the coordinator killed.
/// Every run is compared with one uninterrupted single-process run of the same plan and global batch (1e-4).
/// </summary>
[Trait("Category", "Integration")]
[Collection(PostgresCollection.Name)]
public sealed class ClusterTests(PostgresServer postgres, ITestOutputHelper output) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tinyclip-cluster-").FullName;
    private static readonly TimeSpan NodeTimeout = TimeSpan.FromMinutes(3);
    private const float Tolerance = 1e-4f;
    private const int TrainRows = 96;

    /// <summary>Fast failure detection for tests on loopback: a crashed node is downed about 5 s after it died.</summary>
    private const string FastDowning = """
        cluster { min-trainer-nodes = 2, registration-interval = 500ms, leave-timeout = 20s }
        """;

    private string Config(string extra = "") => Config(extra, postgres.CreateDatabase());

    /// <summary>The configuration with the journal in <paramref name="database"/> (a restart must find its journal again).</summary>
    private string Config(string extra, string database) => TinyRun.WriteConfig(_directory, TrainRows, FastDowning + extra, postgres: database);

    /// <summary>A longer distill stage, so that a node can leave and come back within it (both runs of a test use it).</summary>
    private const long LongDistillSteps = 200;
    private const string LongDistill = "\nplan.distill.steps = 200";
    // A node that comes back starts a process, joins once the cluster has removed its dead incarnation and then waits for
    // a checkpoint: the survivor alone trains 200 steps in about 6 s on 2 cores, which a CI run once found too short.
    private const long ComebackDistillSteps = 600;
    private const string ComebackDistill = "\nplan.distill.steps = 600";

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Address(int port) => $"akka.tcp://tinyclip@127.0.0.1:{port}";

    private readonly List<(string Name, CliProcess Process)> _nodes = new();

    private CliProcess Node(string config, string runDirectory, string roles, int port, IEnumerable<int> seeds, int devices)
    {
        var node = CliProcess.Start("node", "--role", roles, "--hostname", "127.0.0.1", "--port", port.ToString(),
            "--seed-nodes", string.Join(",", seeds.Select(Address)), "--config", config, "--run-dir", runDirectory,
            "--set", $"tinyclip.devices=[{string.Join(", ", Enumerable.Repeat("cpu", devices))}]",
            "--set", "akka.cluster.split-brain-resolver.stable-after=2s",
            "--set", "akka.cluster.failure-detector.acceptable-heartbeat-pause=3s");
        _nodes.Add(($"{roles} node on port {port}", node));
        return node;
    }

    /// <summary>One node a role on fresh loopback ports, one CPU trainer on each trainer node, all seeded by the first.</summary>
    private CliProcess[] StartNodes(string config, string runDirectory, out int[] ports, params string[] roles)
    {
        var chosen = ports = roles.Select(_ => FreePort()).ToArray();
        return roles.Select((role, i) => Node(config, runDirectory, role, chosen[i], chosen[..1], devices: 1)).ToArray();
    }

    /// <summary>The uninterrupted single-process run with two trainers and the same global batch.</summary>
    private string ReferenceRun(string extra = "")
    {
        var reference = Path.Combine(_directory, "reference");
        TinyRun.RunToEnd(TinyRun.WriteConfig(_directory, TrainRows, extra), reference);
        return reference;
    }

    /// <summary>Waits for a node to end with <paramref name="expected"/>; on failure the message holds every node's output.</summary>
    private void WaitForExit(CliProcess node, string name, int expected = 0)
    {
        int exit;
        try { exit = node.WaitForExit(NodeTimeout); }
        catch (TimeoutException) { exit = -1; }
        Assert.True(exit == expected, $"{name} exited with {exit} (-1: did not end within {NodeTimeout}){AllOutputs()}");
    }

    private string AllOutputs() => string.Concat(_nodes.Select(n => $"\n--- {n.Name} ---\n{n.Process.Output}"));

    /// <param name="tolerance">1e-4 for the short plan; a long stage that changes its number of trainers twice
    /// accumulates more rounding differences (sums in another order), so that test allows more.</param>
    private static void AssertCloseFinalWeights(string expectedRun, string actualRun, float tolerance = Tolerance)
    {
        foreach (var stage in TinyRun.Stages)
        {
            var expected = TinyRun.Weights(TinyRun.FinalStudent(expectedRun, stage));
            var actual = TinyRun.Weights(TinyRun.FinalStudent(actualRun, stage));
            Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
            foreach (var (name, values) in expected)
            {
                var difference = values.Zip(actual[name], (a, b) => Math.Abs(a - b)).Max();
                Assert.True(difference <= tolerance, $"{stage}: {name} differs by {difference}");
            }
        }
    }

    /// <summary>Every step of every stage trained exactly once on a whole global batch, none twice within an epoch.</summary>
    private static void AssertEverySampleOnce(string runDirectory, long? distillSteps = null, int batchSize = TinyRun.BatchSize)
    {
        var history = SampleLog.EffectiveHistory(runDirectory);
        foreach (var stage in TinyRun.Stages)
            SampleLog.AssertExactlyOnce(stage, history[stage], stage == "distill" ? distillSteps ?? TinyRun.Steps(stage) : TinyRun.Steps(stage),
                TrainRows, batchSize);
    }

    /// <summary>Waits until the distill stage has two checkpoints on disk (a moment mid-stage to kill a node at); fails
    /// when the watched node ends first or the test's time is up.</summary>
    private static void WaitForDistillCheckpoints(string runDirectory, CliProcess watched) =>
        watched.WaitUntil(() => TinyRun.CheckpointFiles(runDirectory, "distill") >= 2, "two distill checkpoints", NodeTimeout);

    /// <summary>
    /// The data plane's layout for the tests of what nodes read: 96 rows in 24 row groups of 4, global batches of 24 and
    /// the default 12 lanes of 2 slots, so every lane's share of an epoch is 2 row groups (4 batches) and lanes change
    /// epochs together. Three nodes hold rows [0, 8), [8, 16), [16, 24), two nodes [0, 12), [12, 24): no lane is shared.
    /// </summary>
    private const string TwelveLanes = "\nsynthetic-data.row-group-size = 4\nplan.teacher.batch-size = 24\nplan.distill.batch-size = 24";

    private const int TwelveLanesBatch = 24;

    private const string ThreeTrainers = "\ndevices = [cpu, cpu, cpu]";

    /// <summary>The first generation waits for all three trainer nodes.</summary>
    private const string ThreeNodes = "\ncluster.min-trainer-nodes = 3";

    /// <summary>Both runs trained every step of every stage on the same samples in the same order.</summary>
    private static void AssertSameBatches(string expectedRun, string actualRun)
    {
        var expected = SampleLog.EffectiveHistory(expectedRun);
        var actual = SampleLog.EffectiveHistory(actualRun);
        foreach (var stage in TinyRun.Stages)
        {
            Assert.Equal(expected[stage].Keys, actual[stage].Keys);
            foreach (var (step, batch) in expected[stage])
                Assert.True(batch.Samples.SequenceEqual(actual[stage][step].Samples), $"{stage} step {step}: other samples than the single-process run");
        }
    }

    /// <summary>Per node directory, the node's cumulative samples decoded (its last train record).</summary>
    private static IReadOnlyDictionary<string, long> SamplesDecoded(string runDirectory) =>
        Directory.GetDirectories(Path.Combine(runDirectory, "nodes")).ToDictionary(node => Path.GetFileName(node), node =>
            File.ReadLines(Path.Combine(node, "metrics.jsonl")).Select(line => JsonNode.Parse(line)!)
                .Where(record => (string?)record["type"] == "train").Select(record => (long)record["samples_decoded"]!).DefaultIfEmpty(0).Max())!;

    private static IReadOnlyList<JsonObject> WorkersChanged(string runDirectory) =>
        TinyRun.StatusEvents(runDirectory).Where(e => (string?)e["type"] == "WorkersChanged").ToList();

    [Fact]
    public void A_coordinator_and_two_trainer_processes_end_with_the_weights_of_one_process_with_two_trainers()
    {
        var reference = ReferenceRun();
        var config = Config();
        var run = Path.Combine(_directory, "cluster");
        var nodes = StartNodes(config, run, out _, "coordinator", "trainer", "trainer");
        var (coordinator, trainerA, trainerB) = (nodes[0], nodes[1], nodes[2]);
        WaitForExit(trainerA, "trainer A");
        WaitForExit(trainerB, "trainer B");
        WaitForExit(coordinator, "coordinator");

        AssertCloseFinalWeights(reference, run);
        AssertEverySampleOnce(run);
        // One generation for the whole run: no stage was restarted (one stage's end must not abort the next one's collectives).
        var generation = Assert.Single(WorkersChanged(run));
        Assert.Equal(2, generation["members"]!.AsArray().Count);
        Assert.Contains("zero-shot", File.ReadAllText(Path.Combine(run, "report.md")));
    }

    [Fact]
    public void Three_trainer_nodes_decode_each_sample_once_and_train_on_the_batches_of_one_process_with_three_trainers()
    {
        var reference = ReferenceRun(TwelveLanes + ThreeTrainers + LongDistill);
        var config = Config(TwelveLanes + ThreeNodes + LongDistill);
        var run = Path.Combine(_directory, "cluster");
        var nodes = StartNodes(config, run, out _, "coordinator,trainer", "trainer", "trainer");
        var (first, second, third) = (nodes[0], nodes[1], nodes[2]);
        WaitForExit(second, "second trainer");
        WaitForExit(third, "third trainer");
        WaitForExit(first, "coordinator and first trainer");

        AssertSameBatches(reference, run);
        AssertEverySampleOnce(run, LongDistillSteps, TwelveLanesBatch);
        AssertCloseFinalWeights(reference, run, tolerance: 1e-3f);
        Assert.Equal(3, Assert.Single(WorkersChanged(run))["members"]!.AsArray().Count);
        // Every node decoded its rows' lanes, and what its feed read ahead of the trainers when each stage ended.
        var decoded = SamplesDecoded(run);
        long trained = (TinyRun.TeacherSteps + LongDistillSteps) * TwelveLanesBatch;
        output.WriteLine($"samples decoded per node: {string.Join(", ", decoded.Select(kv => $"{kv.Key} {kv.Value}"))}; trained {trained}");
        Assert.Equal(3, decoded.Count);
        Assert.True(decoded.Values.Sum() <= 1.2 * trained, $"the nodes decoded {decoded.Values.Sum()} samples for {trained} trained");
        Assert.All(decoded.Values, n => Assert.True(n < 0.5 * trained, $"a node decoded {n} of {trained}"));
    }

    [Fact]
    public void A_node_killed_mid_run_leaves_the_survivors_training_on_the_same_batches()
    {
        var reference = ReferenceRun(TwelveLanes + ThreeTrainers);
        var config = Config(TwelveLanes + ThreeNodes);
        var run = Path.Combine(_directory, "cluster");
        var nodes = StartNodes(config, run, out _, "coordinator,trainer", "trainer", "trainer");
        var (coordinator, survivor, victim) = (nodes[0], nodes[1], nodes[2]);
        WaitForDistillCheckpoints(run, coordinator);
        victim.Kill();
        WaitForExit(survivor, "survivor");
        WaitForExit(coordinator, "coordinator");

        AssertSameBatches(reference, run);
        AssertEverySampleOnce(run, batchSize: TwelveLanesBatch);
        AssertCloseFinalWeights(reference, run);
        var generations = WorkersChanged(run);
        Assert.Equal(2, generations[^1]["members"]!.AsArray().Count);
        Assert.Contains(generations, g => g["members"]!.AsArray().Count == 3);
    }

    [Fact]
    public void A_run_restarted_on_two_nodes_instead_of_three_continues_with_the_same_batches()
    {
        var reference = ReferenceRun(TwelveLanes + ThreeTrainers);
        var database = postgres.CreateDatabase();
        var config = Config(TwelveLanes + ThreeNodes, database);
        var run = Path.Combine(_directory, "cluster");
        var nodes = StartNodes(config, run, out var ports, "coordinator,trainer", "trainer", "trainer");
        WaitForDistillCheckpoints(run, nodes[0]);
        foreach (var node in nodes) node.Kill();

        // The trainer node is the first seed and starts first: the restarted supervisor finds it in the cluster and
        // waits for it to register (it would otherwise resume on its own node at once; the minimum of trainer nodes
        // holds for a run's first generation only).
        config = Config(TwelveLanes, database);
        int[] seeds = [ports[1], ports[0]];
        var other = Node(config, run, "trainer", ports[1], seeds, devices: 1);
        var restarted = Node(config, run, "coordinator,trainer", ports[0], seeds, devices: 1);
        WaitForExit(other, "second trainer after the restart");
        WaitForExit(restarted, "coordinator and first trainer after the restart");

        AssertSameBatches(reference, run);
        AssertEverySampleOnce(run, batchSize: TwelveLanesBatch);
        AssertCloseFinalWeights(reference, run);
        Assert.Equal(2, WorkersChanged(run)[^1]["members"]!.AsArray().Count);
    }

    [Fact]
    public void A_trainer_killed_mid_run_is_replaced_by_a_generation_of_the_survivor_and_the_run_completes()
    {
        var reference = ReferenceRun();
        var config = Config();
        var run = Path.Combine(_directory, "cluster");
        int[] ports = [FreePort(), FreePort(), FreePort()];
        var coordinator = Node(config, run, "coordinator", ports[0], ports[..1], devices: 1);
        var survivor = Node(config, run, "trainer", ports[1], ports[..1], devices: 1);
        var victim = Node(config, run, "trainer", ports[2], ports[..1], devices: 1);
        WaitForDistillCheckpoints(run, coordinator);
        victim.Kill();
        WaitForExit(survivor, "survivor");
        WaitForExit(coordinator, "coordinator");

        AssertCloseFinalWeights(reference, run);
        AssertEverySampleOnce(run);
        var generations = WorkersChanged(run);
        Assert.Single(generations[^1]["members"]!.AsArray());
        Assert.Contains(generations, g => g["members"]!.AsArray().Count == 2);
    }

    [Fact]
    public void A_trainer_that_comes_back_joins_at_the_next_checkpoint()
    {
        var reference = ReferenceRun(ComebackDistill);
        var config = Config(ComebackDistill);
        var run = Path.Combine(_directory, "cluster");
        int[] ports = [FreePort(), FreePort(), FreePort()];
        var coordinator = Node(config, run, "coordinator", ports[0], ports[..1], devices: 1);
        var survivor = Node(config, run, "trainer", ports[1], ports[..1], devices: 1);
        var leaver = Node(config, run, "trainer", ports[2], ports[..1], devices: 1);
        WaitForDistillCheckpoints(run, coordinator);
        leaver.Kill();
        // Once the survivor trains alone (a generation of one member), the node comes back on the same address.
        coordinator.WaitUntil(() => WorkersChanged(run) is { Count: > 0 } generations && generations[^1]["members"]!.AsArray().Count == 1,
            "a generation without the killed node", NodeTimeout, TimeSpan.FromMilliseconds(200));
        var returned = Node(config, run, "trainer", ports[2], ports[..1], devices: 1);
        WaitForExit(survivor, "survivor");
        WaitForExit(returned, "returned trainer");
        WaitForExit(coordinator, "coordinator");

        // Steps with 2, 1, then 2 trainers sum in other orders: 200 such steps differed by 1.4e-4 at most, so 1e-3 (the short tests hold 1e-4).
        AssertCloseFinalWeights(reference, run, tolerance: 1e-3f);
        AssertEverySampleOnce(run, ComebackDistillSteps);
        var sizes = WorkersChanged(run).Select(g => g["members"]!.AsArray().Count).ToList();
        Assert.Equal(2, sizes[^1]);
        Assert.Contains(1, sizes);
        // It joined at a committed checkpoint of the distill stage: the step of the last generation change is one.
        var events = TinyRun.StatusEvents(run).ToList();
        int lastChange = events.FindLastIndex(e => (string?)e["type"] == "WorkersChanged");
        var previous = events.Take(lastChange).Last(e => (string?)e["type"] == "CheckpointCommitted");
        Assert.Equal("distill", (string?)previous["stage"]);
    }

    [Fact]
    public void A_trainer_without_any_coordinator_stops_with_a_clear_message_instead_of_waiting_forever()
    {
        var config = Config("\ncluster.coordinator-timeout = 3s");
        int port = FreePort();
        var lonely = Node(config, Path.Combine(_directory, "cluster"), "trainer", port, [port], devices: 1);
        WaitForExit(lonely, "trainer without a coordinator", expected: 1);
        Assert.Contains("no reachable coordinator for 3s", lonely.Output);
    }

    [Fact]
    public void The_coordinator_killed_mid_run_moves_the_supervisor_to_another_node_which_recovers_from_postgresql()
    {
        var reference = ReferenceRun();
        var config = Config();
        var run = Path.Combine(_directory, "cluster");
        int[] ports = [FreePort(), FreePort(), FreePort()];
        int[] seeds = ports[..2];
        var first = Node(config, run, "coordinator", ports[0], seeds, devices: 1);
        var standby = Node(config, run, "coordinator,trainer", ports[1], seeds, devices: 1);
        var trainer = Node(config, run, "trainer", ports[2], seeds, devices: 1);
        WaitForDistillCheckpoints(run, first);
        first.Kill();
        WaitForExit(trainer, "trainer");
        WaitForExit(standby, "standby coordinator");

        AssertCloseFinalWeights(reference, run);
        AssertEverySampleOnce(run);
        var events = TinyRun.StatusEvents(run);
        Assert.Equal("RunCompleted", (string?)events[^1]["type"]);
        // The new incarnation recorded its own generation after recovering the journal.
        Assert.True(WorkersChanged(run).Count >= 2);
    }

    public void Dispose()
    {
        output.WriteLine(AllOutputs());
        foreach (var (_, node) in _nodes) node.Dispose();
        TinyRun.RemoveTestDirectory(_directory);
    }
}
