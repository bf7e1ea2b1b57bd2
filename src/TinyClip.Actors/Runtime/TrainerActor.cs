using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using TinyClip.Actors.Collectives;
using TinyClip.Actors.Training;
using System.Threading.Channels;
using TinyClip.Data;
using TinyClip.Data.Pipeline;

namespace TinyClip.Actors.Runtime;

/// <summary>
/// One trainer per device, on its own thread (a pinned dispatcher: TorchSharp's dispose scopes and no-grad mode are
/// per thread). It translates messages into <see cref="TrainerCore"/> calls, one step per message so that control
/// messages interleave; rank 0 writes checkpoints (in the background, see <see cref="BackgroundCheckpointWriter"/>)
/// and the final student and reports them to the supervisor; the first trainer of each node reports progress to its
/// node's monitor.
/// </summary>
public sealed class TrainerActor : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private TrainerCore? _core;
    private StartTraining? _run;
    private StageCheckpoints? _checkpoints;
    private readonly BackgroundCheckpointWriter _writer = new();
    private readonly Stopwatch _clock = new();
    private long _stepsSinceClock;
    private long? _lastCommitted;

    public TrainerActor()
    {
        Receive<StartTraining>(Start);
        Receive<NextStep>(next => { if (next.Run == _run) Advance(); });
        Receive<CheckpointAcknowledged>(ack =>
        {
            var assignment = _run?.Setup.Assignment;
            if (assignment is not null && ack.Stage == assignment.Stage.Name && ack.Generation == assignment.Generation)
                _lastCommitted = Math.Max(_lastCommitted ?? 0, ack.Step);
        });
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new TrainerActor()).WithDispatcher("tinyclip-trainer-dispatcher");

    private void Start(StartTraining run)
    {
        Release();
        // A write of an attempt that failed may still run: it must end before its temporary file could be taken for a dead
        // writer's (below). Its files are durable before its event is sent, so a commit it still makes is a sound one.
        FinishPreviousWrite();
        _run = run;
        var setup = run.Setup;
        try
        {
            try { _core = TrainerCore.Create(setup, run.Collective, run.Resume); }
            finally { run.Resume?.Release(); }
            _checkpoints = new StageCheckpoints(setup.RunDirectory, setup.Assignment.Stage.Name, setup.KeepLastCheckpoints);
            _lastCommitted = setup.Assignment.ResumeFrom.Count > 0 ? setup.Assignment.ResumeFrom[0].Step : null;
            if (setup.Rank == 0) _checkpoints.RemoveStaleTemporaryFiles();
            _clock.Restart();
            _stepsSinceClock = 0;
            Self.Tell(new NextStep(run));
        }
        catch (Exception e)
        {
            Fail(e, fatal: e is InvalidOperationException or ArgumentException or FileNotFoundException or NotSupportedException);
        }
    }

    private void Advance()
    {
        var run = _run!;
        var core = _core!;
        var stage = run.Setup.Assignment.Stage;
        try
        {
            _writer.ThrowIfFailed();
            if (core.IsFinished)
            {
                Finish(run, core);
                return;
            }
            TrainingBatch slice;
            try { slice = run.Slices.ReadAsync(run.Cancellation).AsTask().GetAwaiter().GetResult(); }
            catch (OperationCanceledException) { return; }
            // Throughput is measured from the first batch on: the feed's start-up latency is a one-off (the
            // recovery benchmark measures it), not a cost per sample.
            if (_stepsSinceClock == 0) _clock.Restart();
            // Logged before the step: a rank that fails inside a step whose checkpoint another rank commits (its update
            // is every rank's) has still said what it trained on; a step that is trained again is logged again.
            if (run.Setup.SampleLogPath is { } sampleLog)
                File.AppendAllText(sampleLog, System.Text.Json.JsonSerializer.Serialize(new
                {
                    stage = stage.Name, step = core.Step + 1, generation = run.Setup.Assignment.Generation, rank = run.Setup.Rank,
                    epoch = core.Cursor.Epoch, samples = slice.SampleIds,
                    weights = StepFingerprint.Weights(core.Student), inputs = StepFingerprint.Inputs(slice),
                }) + "\n");
            var report = core.Train(slice, run.Stop.IsRequested);
            _stepsSinceClock++;
            if (run.Setup.ReportsProgress)
            {
                double samplesPerSecond = _stepsSinceClock * stage.BatchSize / Math.Max(1e-9, _clock.Elapsed.TotalSeconds);
                Context.Parent.Tell(new TrainerStepped(stage.Name, stage.Steps, stage.BatchSize, report, samplesPerSecond));
            }
            if (run.Setup.Rank == 0)
            {
                if (report.Pruned is { } towers)
                {
                    // The supervisor hears of the pruning after the commit of every earlier checkpoint, as when writes were inline.
                    _writer.WaitForPrevious();
                    run.Supervisor.Tell(new MasksPruned(stage.Name, run.Setup.Assignment.Generation, core.Step, towers));
                }
                if (!core.IsFinished && (run.Cadence.IsCheckpointStep(core.Step) || report.StopRequested))
                    WriteCheckpoint(run, core, report, stopAfter: report.StopRequested);
            }
            if (report.StopRequested && !core.IsFinished)
            {
                _writer.WaitForPrevious();
                Context.Parent.Tell(new TrainerStopped(stage.Name, run.Setup.Rank, core.Step));
                Release();
                return;
            }
            Self.Tell(new NextStep(run));
        }
        catch (Exception e)
        {
            Fail(e, fatal: e is NonFiniteLossException);
        }
    }

    /// <summary>
    /// Copies the state and goes on; the writer's thread writes the files, prunes older checkpoints and only then sends
    /// <see cref="CheckpointWritten"/>, so the commit protocol is the inline one's: durable files, then the event.
    /// </summary>
    private void WriteCheckpoint(StartTraining run, TrainerCore core, StepReport report, bool stopAfter)
    {
        var setup = run.Setup;
        var checkpoints = _checkpoints!;
        var self = Self; // the supervisor acknowledges the commit to the sender
        var masks = report.Masks is { } m && core.KeptStructure() is { } kept
            ? new MaskSnapshot(m.ExpectedSparsity, m.TargetSparsity, m.Lambda1, m.Lambda2, kept)
            : null;
        var lastCommitted = _lastCommitted; // acknowledgements are messages: none arrives while this step runs
        _writer.Write(core.Snapshot, snapshot =>
        {
            var sha = checkpoints.Write(snapshot);
            checkpoints.PruneOlderThan(snapshot.Step, lastCommitted);
            run.Supervisor.Tell(new CheckpointWritten(setup.Assignment.Stage.Name, setup.Assignment.Generation, snapshot.Step,
                snapshot.Step * setup.Assignment.Stage.BatchSize, snapshot.Next, checkpoints.StudentPath(snapshot.Step), sha, stopAfter, masks), self);
        });
    }

    private void Finish(StartTraining run, TrainerCore core)
    {
        if (run.Setup.Rank == 0)
        {
            // The last checkpoint is committed (or its failure fails the stage) before the stage is reported finished.
            _writer.WaitForPrevious();
            var stage = run.Setup.Assignment.Stage;
            var file = StageCheckpoints.FinalStudentPath(run.Setup.RunDirectory, stage.Name);
            var sha = TinyClip.Model.ClipCheckpoint.Save(core.Student, file);
            var (image, text) = core.Student.ParameterCounts();
            var seconds = _clock.Elapsed.TotalSeconds;
            run.Supervisor.Tell(new StageFinished(stage.Name, run.Setup.Assignment.Generation, file, sha, new Dictionary<string, double>
            {
                ["params_image"] = image,
                ["params_text"] = text,
                ["samples_per_second"] = _stepsSinceClock * stage.BatchSize / Math.Max(1e-9, seconds),
            }));
        }
        Release();
    }

    private void Fail(Exception error, bool fatal)
    {
        var run = _run!;
        // A failed feed completes the slices channel with its error: report the feed's error, not the channel's.
        var e = error is ChannelClosedException { InnerException: { } cause } ? cause : error;
        fatal |= e is DataConfigurationException;
        _log.Error(e, "Trainer {0} failed in stage {1}", run.Setup.Rank, run.Setup.Assignment.Stage.Name);
        run.Collective.Abort($"trainer {run.Setup.Rank} failed: {e.Message}");
        Context.Parent.Tell(new TrainerFailed(run.Attempt, run.Setup.Rank,
            e is CollectiveAbortedException ? e.Message : $"{e.GetType().Name}: {e.Message}", fatal));
        Release();
    }

    private void Release()
    {
        _core?.Dispose();
        _core = null;
        _run = null;
    }

    /// <summary>Waits for a write left by an attempt that ended; its failure no longer fails anything, so it is logged.</summary>
    private void FinishPreviousWrite()
    {
        try { _writer.WaitForPrevious(); }
        catch (Exception e) { _log.Error(e, "A checkpoint write of an earlier attempt failed; that checkpoint is not committed"); }
    }

    protected override void PostStop()
    {
        Release();
        FinishPreviousWrite();
    }

    private sealed record NextStep(StartTraining Run);
}
