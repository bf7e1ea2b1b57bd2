namespace TinyClip.Actors.Persistence;

/// <summary>Where a (re)started run goes on: the stage and the committed checkpoints it may resume from (newest first).</summary>
public sealed record ResumePoint(string Stage, long Step, IReadOnlyList<CheckpointCommitted> Checkpoints);

/// <summary>
/// The supervisor's state, derived only from its events, so that replay after a crash rebuilds exactly what
/// the crashed process knew. Plain class: tested without an ActorSystem.
/// </summary>
public sealed class RunHistory
{
    private readonly List<IStageEvent> _events = new();
    private readonly Dictionary<string, StageCompleted> _completed = new();
    private readonly Dictionary<string, List<CheckpointCommitted>> _checkpoints = new();
    private readonly HashSet<string> _started = new();

    public IReadOnlyList<IStageEvent> Events => _events;
    public string? PlanHash { get; private set; }
    /// <summary>The training manifest's content hash the run was planned with (null: not planned, or an older journal).</summary>
    public string? ManifestHash { get; private set; }
    public IReadOnlyList<string> PlannedStages { get; private set; } = Array.Empty<string>();
    public bool IsCompleted { get; private set; }
    public int Generation { get; private set; }
    public IReadOnlyList<string> Members { get; private set; } = Array.Empty<string>();

    public static RunHistory From(IEnumerable<IStageEvent> events)
    {
        var history = new RunHistory();
        foreach (var e in events) history.Apply(e);
        return history;
    }

    public void Apply(IStageEvent e)
    {
        _events.Add(e);
        switch (e)
        {
            case RunPlanned planned:
                PlanHash = planned.PlanHash;
                ManifestHash = planned.ManifestHash;
                PlannedStages = planned.Stages;
                break;
            case StageStarted started:
                _started.Add(started.Stage);
                break;
            case WorkersChanged changed:
                Generation = changed.Generation;
                Members = changed.Members;
                break;
            case CheckpointCommitted committed:
                if (!_checkpoints.TryGetValue(committed.Stage, out var list)) _checkpoints[committed.Stage] = list = new();
                list.Add(committed);
                break;
            case StageCompleted completed:
                _completed[completed.Stage] = completed;
                break;
            case RunCompleted:
                IsCompleted = true;
                break;
        }
    }

    public bool IsStarted(string stage) => _started.Contains(stage);

    public StageCompleted? Completion(string stage) => _completed.GetValueOrDefault(stage);

    /// <summary>The first planned stage that has not completed, or null when all have.</summary>
    public string? CurrentStage => PlannedStages.FirstOrDefault(s => !_completed.ContainsKey(s));

    /// <summary>The stage that ran before <paramref name="stage"/> in the plan, if any.</summary>
    public StageCompleted? PreviousCompletion(string stage)
    {
        int index = PlannedStages.ToList().IndexOf(stage);
        return index > 0 ? Completion(PlannedStages[index - 1]) : null;
    }

    public IReadOnlyList<CheckpointCommitted> Checkpoints(string stage) =>
        _checkpoints.TryGetValue(stage, out var list) ? list : Array.Empty<CheckpointCommitted>();

    public ResumePoint? Resume
    {
        get
        {
            var stage = CurrentStage;
            if (stage is null) return null;
            var newestFirst = Checkpoints(stage).OrderByDescending(c => c.Step).ToList();
            return new ResumePoint(stage, newestFirst.FirstOrDefault()?.Step ?? 0, newestFirst);
        }
    }
}
