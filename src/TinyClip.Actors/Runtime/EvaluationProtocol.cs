using TinyClip.Actors.Evaluation;
using TinyClip.Actors.Persistence;

namespace TinyClip.Actors.Runtime;

/// <summary>Evaluator -> supervisor (recorded as an EvalSkipped event) and monitor: the checkpoint at
/// <paramref name="Step"/> was not evaluated because a newer one, <paramref name="NewerStage"/> at <paramref name="NewerStep"/>, was waiting.</summary>
public sealed record EvaluationSkipped(string Stage, long Step, string NewerStage, long NewerStep) : ITinyClipMessage;

/// <summary>Evaluator -> monitor: how far the evaluation of a checkpoint is.</summary>
public sealed record EvaluationProgressed(string Stage, long Step, EvaluationProgress Progress) : ITinyClipMessage;
