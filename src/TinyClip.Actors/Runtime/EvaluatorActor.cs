using Akka.Actor;
using Akka.Event;
using TinyClip.Actors.Configuration;
using TinyClip.Actors.Evaluation;
using TinyClip.Data.Text;
using TinyClip.Model;
using TorchSharp;

namespace TinyClip.Actors.Runtime;

/// <summary>
/// Evaluates committed checkpoints off the trainers' critical path, on its own thread: loads the student from the
/// file onto the evaluation device, streams the held-out set through it (<see cref="CheckpointEvaluator"/>), replies
/// with metrics. Requests wait in an <see cref="EvaluationQueue"/>: when several are waiting, the newest is evaluated
/// and the skipped ones are reported, so the evaluator never falls behind unnoticed. A checkpoint that cannot be
/// evaluated yields an "error" metric rather than stalling the run.
/// </summary>
public sealed class EvaluatorActor : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly EvaluationQueue _queue = new();
    private readonly Func<EvaluationSource> _openSource;
    private readonly ICaptionTokenizer _tokenizer;
    private readonly EvalSettings _settings;
    private readonly torch.Device _device;
    private readonly IActorRef _monitor;
    private EvaluationSource? _source;
    private IActorRef _supervisor = ActorRefs.Nobody;
    private bool _nextScheduled;

    /// <param name="openSource">Builds the held-out set's manifest; called once, at the first evaluation.</param>
    public EvaluatorActor(Func<EvaluationSource> openSource, ICaptionTokenizer tokenizer, EvalSettings settings, torch.Device device, IActorRef monitor)
    {
        _openSource = openSource;
        _tokenizer = tokenizer;
        _settings = settings;
        _device = device;
        _monitor = monitor;
        Receive<EvaluateCheckpoint>(request =>
        {
            _supervisor = Sender;
            _queue.Add(request);
            ScheduleNext();
        });
        Receive<EvaluateNext>(_ => EvaluateNextWaiting());
    }

    public static Props Props(Func<EvaluationSource> openSource, ICaptionTokenizer tokenizer, EvalSettings settings, torch.Device device, IActorRef monitor) =>
        Akka.Actor.Props.Create(() => new EvaluatorActor(openSource, tokenizer, settings, device, monitor)).WithDispatcher("tinyclip-evaluator-dispatcher");

    /// <summary>Requests that arrive during an evaluation are in the mailbox ahead of this message, so the queue holds
    /// every waiting request when it chooses.</summary>
    private void ScheduleNext()
    {
        if (_nextScheduled) return;
        _nextScheduled = true;
        Self.Tell(EvaluateNext.Instance);
    }

    private void EvaluateNextWaiting()
    {
        _nextScheduled = false;
        var (next, skipped) = _queue.Take();
        foreach (var older in skipped) Report(new EvaluationSkipped(older.Stage, older.Step, next.Stage, next.Step));
        Report(new EvaluationFinished(next.Stage, next.Step, Evaluate(next)));
        if (!_queue.IsEmpty) ScheduleNext();
    }

    private Dictionary<string, double> Evaluate(EvaluateCheckpoint request)
    {
        try
        {
            _source ??= _openSource();
            using var model = ClipCheckpoint.LoadModel(request.File);
            model.to(_device);
            var progress = new EvaluationProgressMeter(_source.ExpectedSamples, _settings.ProgressInterval,
                p => _monitor.Tell(new EvaluationProgressed(request.Stage, request.Step, p)));
            return CheckpointEvaluator.Evaluate(model, _source, _tokenizer, _settings.BatchSize, _settings.ReadAheadBatches, _settings.CompactHeapEveryBatches, progress);
        }
        catch (Exception e)
        {
            _log.Error(e, "Evaluation of {0} failed", request.File);
            return new Dictionary<string, double> { ["error"] = 1 };
        }
    }

    private void Report(object message)
    {
        _supervisor.Tell(message);
        _monitor.Tell(message);
    }

    private sealed record EvaluateNext
    {
        public static readonly EvaluateNext Instance = new();
    }
}
