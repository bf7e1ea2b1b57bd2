using Akka.Actor;
using Akka.Event;
using TinyClip.Actors.Evaluation;
using TinyClip.Data.Text;
using TinyClip.Model;

namespace TinyClip.Actors.Runtime;

/// <summary>
/// Evaluates committed checkpoints off the trainers' critical path, on its own thread: loads the student from the
/// file, runs zero-shot and retrieval on the held-out set (decoded once per input geometry), replies with metrics.
/// A checkpoint that cannot be evaluated yields an "error" metric rather than stalling the run.
/// </summary>
public sealed class EvaluatorActor : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<(int ImageSize, int ContextLength), EvaluationSet> _sets = new();

    public EvaluatorActor(Func<int, int, EvaluationSet> loadSet, ICaptionTokenizer tokenizer, int batchSize, IActorRef monitor)
    {
        Receive<EvaluateCheckpoint>(request =>
        {
            Dictionary<string, double> metrics;
            try
            {
                using var model = ClipCheckpoint.LoadModel(request.File);
                var key = (model.Config.Vision.ImageSize, model.Config.Text.ContextLength);
                if (!_sets.TryGetValue(key, out var set)) _sets[key] = set = loadSet(key.ImageSize, key.ContextLength);
                metrics = CheckpointEvaluator.Evaluate(model, set, tokenizer, batchSize);
            }
            catch (Exception e)
            {
                _log.Error(e, "Evaluation of {0} failed", request.File);
                metrics = new Dictionary<string, double> { ["error"] = 1 };
            }
            var finished = new EvaluationFinished(request.Stage, request.Step, metrics);
            Sender.Tell(finished);
            monitor.Tell(finished);
        });
    }

    public static Props Props(Func<int, int, EvaluationSet> loadSet, ICaptionTokenizer tokenizer, int batchSize, IActorRef monitor) =>
        Akka.Actor.Props.Create(() => new EvaluatorActor(loadSet, tokenizer, batchSize, monitor)).WithDispatcher("tinyclip-evaluator-dispatcher");
}
