using TinyClip.Actors.Runtime;

namespace TinyClip.Actors.Evaluation;

/// <summary>
/// The evaluator's waiting requests. Evaluating takes longer than training between checkpoints in some runs; rather
/// than fall further behind, the evaluator takes the newest checkpoint and skips the older ones, except a stage's
/// final student (<see cref="EvaluateCheckpoint.Final"/>), which is always evaluated.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "it is the queue of evaluations waiting")]
public sealed class EvaluationQueue
{
    private readonly List<EvaluateCheckpoint> _waiting = new();

    public bool IsEmpty => _waiting.Count == 0;

    /// <summary>Adds a request unless the same checkpoint is already waiting.</summary>
    public void Add(EvaluateCheckpoint request)
    {
        if (!_waiting.Any(w => w.Stage == request.Stage && w.Step == request.Step)) _waiting.Add(request);
    }

    /// <summary>
    /// The next checkpoint to evaluate, and the ones skipped for it: every waiting request that is neither final nor the
    /// newest is skipped; the next is the oldest of those kept (finals in the order they came, then the newest).
    /// </summary>
    public (EvaluateCheckpoint Next, IReadOnlyList<EvaluateCheckpoint> Skipped) Take()
    {
        if (IsEmpty) throw new InvalidOperationException("no evaluation is waiting");
        var newest = _waiting[^1];
        var skipped = _waiting.Where(w => !w.Final && !ReferenceEquals(w, newest)).ToList();
        _waiting.RemoveAll(skipped.Contains);
        var next = _waiting[0];
        _waiting.RemoveAt(0);
        return (next, skipped);
    }
}
