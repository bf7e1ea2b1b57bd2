using Akka.Actor;
using Akka.Cluster.Tools.Singleton;
using Akka.Configuration;
using TinyClip.Actors.Collectives;
using TinyClip.Actors.Configuration;
using TinyClip.Actors.Hosting;
using TinyClip.Actors.Monitoring;
using TinyClip.Actors.Persistence;
using TinyClip.Actors.Runtime;
using TinyClip.Configuration;
using AkkaCluster = Akka.Cluster.Cluster;

namespace TinyClip.Actors.Cluster;

/// <summary>
/// Composes one process of a cluster run (`tinyclip node`): prepared inputs on the shared run directory, an actor
/// system that joins the cluster, and by role: the stage-supervisor as a cluster singleton on the PostgreSQL journal
/// with the evaluator (coordinator); the worker group with cross-node collectives (trainer); on every node an agent
/// that registers with the singleton. Returns when the supervisor reports the end of the run (or on a stop request,
/// after leaving the cluster).
/// </summary>
public static class ClusterHost
{
    public static async Task<RunOutcome> RunAsync(Config config, IRunConsole console, CancellationToken stopRequested)
    {
        var cluster = ClusterSettings.Read(config);
        var remoting = RemotingSettings.Read(config);
        var collectives = CollectiveSettings.Read(config, remoting);
        var run = RunSettings.Read(config);
        if (cluster.IsCoordinator && run.Persistence.Journal != JournalKind.PostgreSql)
            throw new InvalidSettingException("tinyclip.persistence.journal",
                "a coordinator keeps the run's journal in PostgreSQL, so that the supervisor can move to another node; set it to postgresql (see hocon/postgres.conf)");
        var prepared = await RunPreparation.PrepareAsync(config, console, stopRequested);
        var runDirectory = prepared.RunDirectory;
        var persistenceId = $"run:{run.Name}";
        var journal = cluster.IsCoordinator ? JournalDatabase.For(run.Persistence, runDirectory) : null;
        if (cluster.IsCoordinator) RunIdentity.For(run.Name, persistenceId, run.Persistence).Write(runDirectory);

        await using var host = await TinyClipHost.StartAsync(
            new HostPlan(ClusterSettings.SystemName, config) { Journal = journal, Remoting = remoting, Cluster = cluster });
        var system = host.System;
        var self = AkkaCluster.Get(system);
        var nodeDirectory = Directory.CreateDirectory(Path.Combine(runDirectory, "nodes", $"{self.SelfAddress.Host}_{self.SelfAddress.Port}")).FullName;
        using var metrics = new MetricsLog(Path.Combine(nodeDirectory, "metrics.jsonl"));
        using var tensorBoard = new TensorBoardWriter(Path.Combine(nodeDirectory, "tensorboard"));
        var monitor = system.ActorOf(RunMonitor.Props(metrics, tensorBoard, console.Progress, console.Log, run.LogEverySteps), "monitor");

        IActorRef? workers = null;
        if (cluster.IsTrainer)
        {
            var exchange = NodeExchange.Start(system, collectives);
            workers = system.ActorOf(prepared.WorkerGroupProps(system, monitor,
                topology => new HierarchicalCollectiveGroup(topology, exchange, collectives.Timeout), nodeDirectory), "workers");
        }
        if (cluster.IsCoordinator)
        {
            var evaluator = prepared.StartEvaluator(system, monitor);
            var settings = prepared.SupervisorSettings(persistenceId) with
            {
                MinTrainerNodes = cluster.MinTrainerNodes,
                NewGenerationOnStart = true,
                ExpectedTrainers = () => ReachableTrainers(self),
                // A retry waits until the failure detector can have noticed a dead node (see StageSupervisor.OnRetryStage).
                StageRestartDelay = system.Settings.Config.GetTimeSpan("akka.cluster.failure-detector.acceptable-heartbeat-pause") + TimeSpan.FromSeconds(1),
            };
            var supervisor = StageSupervisor.Props(prepared.Plan, settings, evaluator, ActorRefs.Nobody);
            var restarting = StageSupervisor.RestartedWithBackoff(supervisor, run.Persistence);
            system.ActorOf(ClusterSingletonManager.Props(restarting, PoisonPill.Instance,
                ClusterSingletonManagerSettings.Create(system).WithRole(ClusterRoles.Coordinator)), "supervisor");
        }
        var proxy = system.ActorOf(ClusterSingletonProxy.Props("/user/supervisor",
            ClusterSingletonProxySettings.Create(system).WithRole(ClusterRoles.Coordinator)), "supervisor-proxy");
        var completion = new TaskCompletionSource<RunFinished>(TaskCreationOptions.RunContinuationsAsynchronously);
        var registration = new RegisterNode(self.SelfAddress.ToString(), cluster.IsTrainer ? prepared.Devices : Array.Empty<string>(),
            prepared.TrainManifest.ContentHash);
        // The node registers (and so can join a generation) only once it is Up: the split-brain resolver counts Up members
        // only, so a trainer still Joining or WeaklyUp when a coordinator dies would leave the survivors a minority that
        // downs itself.
        self.RegisterOnMemberUp(() => system.ActorOf(NodeAgent.Props(proxy, registration, workers, completion, cluster.RegistrationInterval), "agent"));
        console.Log($"node {self.SelfAddress} ({string.Join(", ", cluster.Roles)}) joining {string.Join(", ", cluster.SeedNodes)}");

        // A node the cluster downed (its actor system terminates itself) ends instead of waiting for a run it left.
        _ = system.WhenTerminated.ContinueWith(_ => completion.TrySetResult(new RunFinished(false,
            "this node was removed from the cluster (downed, or the cluster shut down) before the run ended")), TaskScheduler.Default);
        using var watching = new CancellationTokenSource();
        _ = WatchForCoordinatorAsync(self, cluster.CoordinatorTimeout, completion, watching.Token);
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var onStop = stopRequested.Register(() => stopped.TrySetResult());
        if (await Task.WhenAny(completion.Task, stopped.Task) != completion.Task)
        {
            console.Log("stop requested: leaving the cluster (the other trainers continue from the last checkpoint)");
            await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClusterLeavingReason.Instance);
            return new RunOutcome(false, "left the cluster on request", runDirectory, Array.Empty<IStageEvent>());
        }
        var finished = completion.Task.Result;
        IReadOnlyList<IStageEvent> events = Array.Empty<IStageEvent>();
        if (cluster.IsCoordinator)
        {
            try { events = (await proxy.Ask<RunHistoryReply>(GetRunHistory.Instance, TimeSpan.FromSeconds(15), CancellationToken.None)).Events; }
            catch (Exception e) when (e is AskTimeoutException or TaskCanceledException) { console.Log("the run's history could not be read for the report"); }
            await WaitForTrainersToLeave(self, cluster.LeaveTimeout);
        }
        await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClusterLeavingReason.Instance);
        return new RunOutcome(finished.Succeeded, finished.Message, runDirectory, events);
    }

    /// <summary>Ends the node's wait when no reachable coordinator has been seen for <paramref name="timeout"/>: none was
    /// started, or all left (the run ended before this node joined, or every coordinator died).</summary>
    private static async Task WatchForCoordinatorAsync(AkkaCluster cluster, TimeSpan timeout, TaskCompletionSource<RunFinished> completion,
        CancellationToken cancellationToken)
    {
        var lastSeen = DateTime.UtcNow;
        while (!cancellationToken.IsCancellationRequested && !completion.Task.IsCompleted)
        {
            var state = cluster.State;
            if (state.Members.Any(m => m.HasRole(ClusterRoles.Coordinator) && m.Status == Akka.Cluster.MemberStatus.Up && !state.Unreachable.Contains(m)))
                lastSeen = DateTime.UtcNow;
            else if (DateTime.UtcNow - lastSeen > timeout)
                completion.TrySetResult(new RunFinished(false,
                    $"no reachable coordinator for {timeout.TotalSeconds:F0}s (tinyclip.cluster.coordinator-timeout); start one, or check the seed nodes"));
            try { await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken); }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>Trainer nodes that are up and reachable: after a hand-over the supervisor waits for all of them.</summary>
    private static IReadOnlyCollection<string> ReachableTrainers(AkkaCluster cluster)
    {
        var state = cluster.State;
        return state.Members
            .Where(m => m.Status == Akka.Cluster.MemberStatus.Up && m.HasRole(ClusterRoles.Trainer) && !state.Unreachable.Contains(m))
            .Select(m => m.Address.ToString())
            .ToList();
    }

    /// <summary>
    /// A coordinator leaves last: trainer-only nodes learn that the run ended from the supervisor, and a node that
    /// re-registers late must still find one. Coordinators do not wait for each other.
    /// </summary>
    private static async Task WaitForTrainersToLeave(AkkaCluster cluster, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && cluster.State.Members.Any(m =>
                   m.Address != cluster.SelfAddress && m.HasRole(ClusterRoles.Trainer) && !m.HasRole(ClusterRoles.Coordinator) &&
                   m.Status is Akka.Cluster.MemberStatus.Up or Akka.Cluster.MemberStatus.Joining or Akka.Cluster.MemberStatus.WeaklyUp))
            await Task.Delay(200);
    }
}
