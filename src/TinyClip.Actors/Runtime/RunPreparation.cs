using Akka.Actor;
using Akka.Configuration;
using TinyClip.Actors.Configuration;
using TinyClip.Actors.Evaluation;
using TinyClip.Actors.Feeding;
using TinyClip.Actors.Monitoring;
using TinyClip.Actors.Training;
using TinyClip.Configuration;
using TinyClip.Data;
using TinyClip.Data.Settings;
using TinyClip.Data.Manifest;
using TinyClip.Data.Quarantine;
using TinyClip.Data.Reading;
using TinyClip.Data.Remote;
using TinyClip.Data.Synthetic;
using TinyClip.Data.Text;
using TorchSharp;

namespace TinyClip.Actors.Runtime;

/// <summary>Everything a process of a run prepares before its actors start: settings, data, manifest, tokenizer, devices.</summary>
public sealed record PreparedRun(
    RunSettings Run,
    PlanSettings Plan,
    DataSettings Data,
    string RunDirectory,
    DatasetManifest TrainManifest,
    ClipTokenizer Tokenizer,
    QuarantineLog Quarantine,
    IReadOnlyList<string> ValPaths,
    string Classes,
    string Templates,
    IReadOnlyList<string> Devices,
    IShardFiles TrainShards,
    RemoteAccess? Remote,
    int ThreadsPerTrainer)
{
    /// <summary>The settings of this process's trainers.</summary>
    public WorkerGroupSettings WorkerSettings => new(Devices, RunDirectory, Tokenizer.VocabularySize, Run.CheckpointEverySteps,
        Run.KeepLastCheckpoints, Run.MaxNonFiniteStepsInRow, Plan.Teacher.AllowPickle, Data.Stream.BatchesInFlight, TimeSpan.FromMinutes(10), ThreadsPerTrainer, Run.SampleLog,
        Plan.Teacher.Precision, Run.OverlapGradientExchange);

    public StageSupervisorSettings SupervisorSettings(string persistenceId) => new(persistenceId, Run.Seed, TrainManifest.ContentHash, Run.Persistence.SnapshotEveryEvents,
        Run.Persistence.MaxStageRestarts, TimeSpan.FromSeconds(1));

    /// <summary>The worker group of this process's devices, fed by the streaming pipeline.</summary>
    /// <param name="nodeDirectory">A cluster node's own directory: what its feed skips goes to quarantine.jsonl there (unless
    /// <c>stream.quarantine-file</c> names a file), since each node decodes other samples; null in a single process.</param>
    public Props WorkerGroupProps(ActorSystem system, IActorRef monitor, Func<Collectives.CollectiveTopology, Collectives.ICollectiveGroup>? crossNodeCollective = null,
        string? nodeDirectory = null)
    {
        var quarantine = nodeDirectory is null || Data.Stream.QuarantineFile is { Length: > 0 } ? Quarantine : new QuarantineLog(Path.Combine(nodeDirectory, "quarantine.jsonl"));
        var tokenizer = Tokenizer;
        var geometry = (StageSpec stage) =>
        {
            var model = ModelCatalog.Resolve(stage.Model, tokenizer.VocabularySize);
            return (model.Vision.ImageSize, model.Text.ContextLength);
        };
        var stageData = new PipelineStageData(TrainManifest, Data, Run.Seed, Tokenizer, quarantine, system, geometry, TrainShards);
        return WorkerGroup.Props(WorkerSettings, stageData, monitor, crossNodeCollective);
    }

    /// <summary>The evaluator on the held-out split, or null when the run has none.</summary>
    /// <exception cref="InvalidSettingException">eval.device names a device this machine lacks.</exception>
    public IActorRef? StartEvaluator(ActorSystem system, IActorRef monitor)
    {
        if (ValPaths.Count == 0) return null;
        var device = DeviceName.Available(Run.Eval.Device, "tinyclip.eval.device");
        var prompts = ZeroShotPrompts.Read(Classes, Templates);
        var remote = RemoteValSource();
        EvaluationSource OpenSource() => EvaluationSource.OpenAsync(ValPaths, prompts, Data, Tokenizer, Run.Eval.MaxSamples, Quarantine, remote)
            .GetAwaiter().GetResult();
        return system.ActorOf(EvaluatorActor.Props(OpenSource, Tokenizer, Run.Eval, device, monitor), "evaluator");
    }

    /// <summary>Remote val-paths: read through the training cache when there is one, else through a cache of their own.</summary>
    private RemoteEvaluationData? RemoteValSource()
    {
        if (!RemoteInputs.AllRemote(ValPaths, "tinyclip.data.val-paths")) return null;
        return new RemoteEvaluationData(Remote ?? RemoteAccess.From(Data), TrainShards as ShardCache,
            RemoteCacheDirectory.Of(Data.Cache, RunDirectory));
    }
}

/// <summary>
/// Prepares a run's inputs: generates the synthetic dataset when asked and missing, builds the training manifest,
/// learns (or loads) the tokenizer, resolves the devices and sets libtorch's threads. Every process of a cluster run
/// does this on the shared run directory; what is written (data, manifest, tokenizer) is a function of the settings
/// and the data, and the writing happens under <c>prepare.lock</c>, so the first process writes it and the others read
/// it (the manifest after checking it against their own files, see <see cref="ManifestStore"/>).
/// </summary>
public static class RunPreparation
{
    public static async Task<PreparedRun> PrepareAsync(Config config, IRunConsole console, CancellationToken cancellationToken)
    {
        var run = RunSettings.Read(config);
        var plan = PlanSettings.Read(config);
        var data = DataSettingsConfig.FromConfig(config);
        var runDirectory = Path.GetFullPath(run.Directory);
        Directory.CreateDirectory(runDirectory);
        using var preparing = await Persistence.RunDirectoryLock.WaitForAsync(runDirectory, "prepare.lock", TimeSpan.FromMinutes(30), cancellationToken);
        var (trainPaths, valPaths, classes, templates) = await PrepareDataAsync(config, run, runDirectory, console, cancellationToken);
        var quarantine = new QuarantineLog(data.Stream.QuarantineFile is { Length: > 0 } q ? q : Path.Combine(runDirectory, "quarantine.jsonl"));
        var remote = RemoteInputs.AllRemote(trainPaths, "tinyclip.data.train-paths") ? RemoteAccess.From(data) : null;
        var trainManifest = remote is null
            ? await PrepareManifestAsync(trainPaths, data, runDirectory, quarantine, console, cancellationToken)
            : await PrepareRemoteManifestAsync(trainPaths, remote, data, runDirectory, quarantine, console, cancellationToken);
        if (trainManifest.TotalRows == 0) throw new InvalidSettingException("tinyclip.data.train-paths", "the training data has no readable rows");
        IShardFiles trainShards = remote is null ? LocalShardFiles.Instance
            : remote.OpenCache(RemoteCacheDirectory.Of(data.Cache, runDirectory), data.Cache, trainManifest.Files, console.Log);
        var tokenizer = await TokenizerPreparation.PrepareAsync(run.TokenizerPath, runDirectory, run.VocabularySize, trainManifest, quarantine,
            ReadRetryPolicy.From(data.Stream), trainShards, cancellationToken);

        var devices = run.Devices ?? (torch.cuda.is_available() ? Enumerable.Range(0, torch.cuda.device_count()).Select(i => $"cuda:{i}").ToList() : new List<string> { "cpu" });
        int threads = run.ThreadsPerTrainer > 0 ? run.ThreadsPerTrainer : Math.Max(1, Environment.ProcessorCount / devices.Count);
        torch.set_num_threads(threads);
        return new PreparedRun(run, plan, data, runDirectory, trainManifest, tokenizer, quarantine, valPaths, classes, templates, devices, trainShards, remote, threads);
    }

    /// <summary>The run's stored training manifest, checked against this process's files; the first process builds it.</summary>
    private static async Task<DatasetManifest> PrepareManifestAsync(IReadOnlyList<string> trainPaths, DataSettings data, string runDirectory,
        QuarantineLog quarantine, IRunConsole console, CancellationToken cancellationToken)
    {
        var store = new ManifestStore(runDirectory);
        var (manifest, built) = await store.LoadOrBuildAsync(trainPaths, data.Columns, quarantine, FooterReads.FromFiles(data.Manifest), cancellationToken);
        console.Log($"training manifest {(built ? "built into" : "loaded from")} {store.Path}: {manifest.Files.Count} files " +
                    $"({manifest.LeftOut.Count} left out), {manifest.TotalRows} rows, hash {manifest.ContentHash}");
        return manifest;
    }

    /// <summary>The run's stored manifest of remote shards (listed anew, footers fetched only when there is none); the first process builds it.</summary>
    private static async Task<DatasetManifest> PrepareRemoteManifestAsync(IReadOnlyList<string> trainPaths, RemoteAccess remote, DataSettings data,
        string runDirectory, QuarantineLog quarantine, IRunConsole console, CancellationToken cancellationToken)
    {
        var store = new ManifestStore(runDirectory);
        var shards = await RemoteInputs.ResolveAsync(trainPaths, remote.Store, cancellationToken);
        var (manifest, built) = await store.LoadOrBuildRemoteAsync(shards, () => RemoteManifestBuilder.BuildAsync(shards, data.Columns,
            Data.Layouts.DatasetUse.Training, quarantine, remote.FooterReader(), data.Manifest.ParallelReads, cancellationToken));
        console.Log($"training manifest of {shards.Count} remote shards {(built ? "built from their footers into" : "loaded from")} {store.Path}: " +
                    $"{manifest.Files.Count} files ({manifest.LeftOut.Count} left out), {manifest.TotalRows} rows, hash {manifest.ContentHash}");
        return manifest;
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
                await SyntheticDataset.WriteAsync(new SynthOptions(directory, run.Synthetic.Train, run.Synthetic.Val, run.Synthetic.ImageSize, run.Synthetic.Seed,
                    RowGroupSize: run.Synthetic.RowGroupSize, PositionJitter: run.Synthetic.PositionJitter), cancellationToken);
            }
            if (train.Count == 0) train = new[] { Path.Combine(directory, "train") };
            if (val.Count == 0) val = new[] { Path.Combine(directory, "val") };
            if (classes.Length == 0) classes = marker;
            if (templates.Length == 0) templates = Path.Combine(directory, "templates.txt");
        }
        if (train.Count == 0) throw new InvalidSettingException("tinyclip.data.train-paths", "no training data: set train-paths or synthetic-data.generate = on");
        if (val.Count > 0 && classes.Length == 0)
            console.Log("eval.classes is empty: evaluations report retrieval and the validation loss, no zero-shot accuracy");
        return (train, val, classes, templates);
    }
}
