using Akka.Actor;
using Akka.Configuration;
using Akka.Pattern;
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
/// Composes a single-process run in one place: settings, run-directory lock, data (generated if asked), tokenizer,
/// manifest, the actor system with the configured journal (SQLite or PostgreSQL), and the actors (supervisor behind a back-off supervisor,
/// worker group, evaluator, monitor). Rerunning with the same configuration resumes from the journal.
/// </summary>
public static class RunHost
{
    public static async Task<RunOutcome> RunAsync(Config config, IRunConsole console, CancellationToken stopRequested)
    {
        var run = RunSettings.Read(config);
        var plan = PlanSettings.Read(config);
        var data = DataSettingsConfig.FromConfig(config);
        var runDirectory = Path.GetFullPath(run.Directory);
        using var runLock = RunDirectoryLock.Acquire(runDirectory);
        var (trainPaths, valPaths, classes, templates) = await PrepareDataAsync(config, run, runDirectory, console, stopRequested);
        var quarantine = new QuarantineLog(data.Stream.QuarantineFile is { Length: > 0 } q ? q : Path.Combine(runDirectory, "quarantine.jsonl"));
        var trainManifest = await DatasetManifest.BuildAsync(trainPaths, data.Columns, quarantine, stopRequested);
        if (trainManifest.TotalRows == 0) throw new InvalidSettingException("tinyclip.data.train-paths", "the training data has no readable rows");
        var tokenizer = await TokenizerPreparation.PrepareAsync(run.TokenizerPath, runDirectory, run.VocabularySize, trainManifest, quarantine, stopRequested);

        var devices = run.Devices ?? (torch.cuda.is_available() ? Enumerable.Range(0, torch.cuda.device_count()).Select(i => $"cuda:{i}").ToList() : new List<string> { "cpu" });
        int threads = run.ThreadsPerTrainer > 0 ? run.ThreadsPerTrainer : Math.Max(1, Environment.ProcessorCount / devices.Count);
        torch.set_num_threads(threads);

        var journal = JournalConfig.For(run.Persistence, runDirectory);
        var persistenceId = $"run:{run.Name}";
        RunIdentity.For(run.Name, persistenceId, run.Persistence).Write(runDirectory);
        using var system = ActorSystem.Create("tinyclip", journal.WithFallback(config));
        using var metrics = new MetricsLog(Path.Combine(runDirectory, "metrics.jsonl"));
        using var tensorBoard = new TensorBoardWriter(Path.Combine(runDirectory, "tensorboard"));
        var monitor = system.ActorOf(RunMonitor.Props(metrics, tensorBoard, console.Progress, console.Log, run.LogEverySteps), "monitor");

        var geometry = (StageSpec stage) =>
        {
            var model = ModelCatalog.Resolve(stage.Model, tokenizer.VocabularySize);
            return (model.Vision.ImageSize, model.Text.ContextLength);
        };
        var stageData = new PipelineStageData(trainManifest, data, run.Seed, tokenizer, quarantine, system, geometry);
        var workerSettings = new WorkerGroupSettings(devices, runDirectory, tokenizer.VocabularySize, run.CheckpointEverySteps,
            run.KeepLastCheckpoints, run.MaxNonFiniteStepsInRow, plan.Teacher.AllowPickle, data.Stream.BatchesInFlight, TimeSpan.FromMinutes(10), run.SampleLog);
        var workers = system.ActorOf(WorkerGroup.Props(workerSettings, stageData, monitor), "workers");

        IActorRef? evaluator = null;
        if (valPaths.Count > 0 && classes.Length > 0)
        {
            EvaluationSet LoadSet(int imageSize, int contextLength) => EvaluationSet.LoadAsync(valPaths, classes, templates, data, tokenizer,
                imageSize, contextLength, run.Eval.MaxSamples, run.Eval.BatchSize, quarantine).GetAwaiter().GetResult();
            evaluator = system.ActorOf(EvaluatorActor.Props(LoadSet, tokenizer, run.Eval.BatchSize, monitor), "evaluator");
        }

        var completion = new TaskCompletionSource<RunFinished>(TaskCreationOptions.RunContinuationsAsynchronously);
        var listener = system.ActorOf(CompletionListener.Props(completion), "listener");
        var supervisorSettings = new StageSupervisorSettings(persistenceId, run.Seed, run.Persistence.SnapshotEveryEvents,
            run.Persistence.MaxStageRestarts, TimeSpan.FromSeconds(1));
        var supervisorProps = StageSupervisor.Props(plan, supervisorSettings, workers, evaluator, workerSettings.MemberNames("local"), listener);
        var supervisor = system.ActorOf(BackoffSupervisor.Props(Backoff.OnStop(supervisorProps, "stage-supervisor",
            run.Persistence.MinBackoff, run.Persistence.MaxBackoff, 0.2)), "supervisor");

        using var onStop = stopRequested.Register(() =>
        {
            console.Log("stop requested: finishing the current step and writing a checkpoint");
            workers.Tell(StopGracefully.Instance);
        });
        var finished = await completion.Task;
        var history = await supervisor.Ask<RunHistoryReply>(GetRunHistory.Instance, TimeSpan.FromSeconds(30));
        await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClrExitReason.Instance);
        return new RunOutcome(finished.Succeeded, finished.Message, runDirectory, history.Events);
    }

    /// <summary>Generates the synthetic dataset when asked and missing; fills empty data and eval paths from it.</summary>
    private static async Task<(IReadOnlyList<string> Train, IReadOnlyList<string> Val, string Classes, string Templates)> PrepareDataAsync(
        Config config, RunSettings run, string runDirectory, IRunConsole console, CancellationToken cancellationToken)
    {
        var train = DataSettingsConfig.Paths(config, "train-paths");
        var val = DataSettingsConfig.Paths(config, "val-paths");
        string classes = run.Eval.Classes, templates = run.Eval.Templates;
        if (run.Synthetic.Generate)
        {
            var directory = Path.GetFullPath(run.Synthetic.Directory.Length > 0 ? run.Synthetic.Directory : Path.Combine(runDirectory, "data"));
            var marker = Path.Combine(directory, "classes.txt");
            if (!File.Exists(marker))
            {
                console.Log($"generating the synthetic dataset in {directory} ({run.Synthetic.Train} train, {run.Synthetic.Val} val)");
                await SyntheticDataset.WriteAsync(new SynthOptions(directory, run.Synthetic.Train, run.Synthetic.Val, run.Synthetic.ImageSize, run.Synthetic.Seed), cancellationToken);
            }
            if (train.Count == 0) train = new[] { Path.Combine(directory, "train") };
            if (val.Count == 0) val = new[] { Path.Combine(directory, "val") };
            if (classes.Length == 0) classes = marker;
            if (templates.Length == 0) templates = Path.Combine(directory, "templates.txt");
        }
        if (train.Count == 0) throw new InvalidSettingException("tinyclip.data.train-paths", "no training data: set train-paths or synthetic-data.generate = on");
        return (train, val, classes, templates);
    }
}
