using Akka.Actor;
using Akka.Configuration;
using TinyClip.Actors.Configuration;
using TinyClip.Actors.Evaluation;
using TinyClip.Actors.Feeding;
using TinyClip.Actors.Monitoring;
using TinyClip.Actors.Persistence;
using TinyClip.Actors.Training;
using TinyClip.Data.Manifest;
using TinyClip.Data.Quarantine;
using TinyClip.Data.Synthetic;
using TorchSharp;

namespace TinyClip.Actors.Runtime;

/// <summary>Where the host reports progress and log lines (a live terminal display, or plain lines).</summary>
public interface IRunConsole
{
    void Progress(ProgressUpdate update);
    void Log(string line);
}

/// <summary>How a run ended, with its full event history.</summary>
public sealed record RunOutcome(bool Succeeded, string Message, string RunDirectory, IReadOnlyList<IStageEvent> Events);

/// <summary>
/// Composes a single-process run in one place: run-directory lock, prepared inputs (<see cref="RunPreparation"/>),
/// the actor system with the configured journal (SQLite or PostgreSQL), and the actors (supervisor behind a back-off supervisor, worker group,
/// evaluator, monitor). Rerunning with the same configuration resumes from the journal.
/// </summary>
public static class RunHost
{
    public static async Task<RunOutcome> RunAsync(Config config, IRunConsole console, CancellationToken stopRequested)
    {
        var run = RunSettings.Read(config);
        var runDirectory = Path.GetFullPath(run.Directory);
        using var runLock = RunDirectoryLock.Acquire(runDirectory);
        var prepared = await RunPreparation.PrepareAsync(config, console, stopRequested);

        var journal = JournalConfig.For(run.Persistence, runDirectory);
        var persistenceId = $"run:{run.Name}";
        RunIdentity.For(run.Name, persistenceId, run.Persistence).Write(runDirectory);
        using var system = ActorSystem.Create("tinyclip", journal.WithFallback(config));
        using var metrics = new MetricsLog(Path.Combine(runDirectory, "metrics.jsonl"));
        using var tensorBoard = new TensorBoardWriter(Path.Combine(runDirectory, "tensorboard"));
        var monitor = system.ActorOf(RunMonitor.Props(metrics, tensorBoard, console.Progress, console.Log, run.LogEverySteps), "monitor");
        var workers = system.ActorOf(prepared.WorkerGroupProps(system, monitor), "workers");
        var evaluator = prepared.StartEvaluator(system, monitor);

        var completion = new TaskCompletionSource<RunFinished>(TaskCreationOptions.RunContinuationsAsynchronously);
        var listener = system.ActorOf(CompletionListener.Props(completion), "listener");
        var supervisorProps = StageSupervisor.Props(prepared.Plan, prepared.SupervisorSettings(persistenceId), evaluator, listener,
            new TrainerNode("local", workers, prepared.Devices));
        var supervisor = system.ActorOf(StageSupervisor.RestartedWithBackoff(supervisorProps, run.Persistence), "supervisor");

        using var onStop = stopRequested.Register(() =>
        {
            console.Log("stop requested: finishing the current step and writing a checkpoint");
            workers.Tell(StopGracefully.Instance);
        });
        var finished = await completion.Task;
        // Not cancelled by a stop request: the run has ended either way, and its report needs the history.
        var history = await supervisor.Ask<RunHistoryReply>(GetRunHistory.Instance, TimeSpan.FromSeconds(30), CancellationToken.None);
        await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClrExitReason.Instance);
        return new RunOutcome(finished.Succeeded, finished.Message, runDirectory, history.Events);
    }
}
