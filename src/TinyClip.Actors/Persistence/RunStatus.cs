using System.Text;

namespace TinyClip.Actors.Persistence;

/// <summary>What `tinyclip status` prints: the events in order and where a restart would resume.</summary>
public sealed record RunStatus(IReadOnlyList<IStageEvent> Events, ResumePoint? Resume, bool Completed)
{
    public static RunStatus From(IReadOnlyList<IStageEvent> events)
    {
        var history = RunHistory.From(events);
        return new RunStatus(events, history.Resume, history.IsCompleted);
    }

    public object ToJson() => new Dictionary<string, object?>
    {
        ["events"] = Events.Select(Describe).ToList(),
        ["resume"] = Resume is null ? null : new Dictionary<string, object> { ["stage"] = Resume.Stage, ["step"] = Resume.Step },
        ["completed"] = Completed,
    };

    public string ToText()
    {
        var text = new StringBuilder();
        foreach (var e in Events)
        {
            var d = Describe(e);
            text.Append($"{d["type"],-20}");
            foreach (var (key, value) in d.Where(kv => kv.Key != "type")) text.Append($" {key}={Format(value)}");
            text.AppendLine();
        }
        text.AppendLine(Completed ? "run completed" : Resume is null ? "nothing to resume" : $"a restart resumes stage '{Resume.Stage}' at step {Resume.Step}");
        return text.ToString();
    }

    private static string Format(object? value) => value switch
    {
        IReadOnlyDictionary<string, double> metrics => "{" + string.Join(", ", metrics.Select(kv => $"{kv.Key}: {kv.Value:0.####}")) + "}",
        IEnumerable<string> list => "[" + string.Join(", ", list) + "]",
        IEnumerable<TinyClip.Model.TowerStructure> towers => "\n    " + string.Join("\n    ", towers),
        double d => d.ToString("0.####"),
        _ => value?.ToString() ?? "",
    };

    private static Dictionary<string, object?> Describe(IStageEvent e) => e switch
    {
        RunPlanned p => new() { ["type"] = "RunPlanned", ["plan"] = p.PlanHash, ["manifest"] = p.ManifestHash, ["stages"] = p.Stages },
        StageStarted s => new() { ["type"] = "StageStarted", ["stage"] = s.Stage, ["kind"] = s.Kind, ["student"] = s.Student, ["source"] = s.Source },
        WorkersChanged w => new() { ["type"] = "WorkersChanged", ["generation"] = w.Generation, ["members"] = w.Members },
        CheckpointCommitted c => new() { ["type"] = "CheckpointCommitted", ["stage"] = c.Stage, ["step"] = c.Step, ["samples"] = c.SamplesSeen, ["epoch"] = c.Cursor.Epoch, ["global_batch"] = c.Cursor.GlobalBatch, ["file"] = c.File, ["sha256"] = c.Sha256 },
        MaskStateRecorded m => new() { ["type"] = "MaskStateRecorded", ["stage"] = m.Stage, ["step"] = m.Step, ["expected_sparsity"] = m.ExpectedSparsity,
            ["target_sparsity"] = m.TargetSparsity, ["lambda1"] = m.Lambda1, ["lambda2"] = m.Lambda2, ["kept"] = m.Kept },
        MasksCommitted m => new() { ["type"] = "MasksCommitted", ["stage"] = m.Stage, ["step"] = m.Step, ["towers"] = m.Towers },
        EvalRecorded v => new() { ["type"] = "EvalRecorded", ["stage"] = v.Stage, ["step"] = v.Step, ["metrics"] = v.Metrics },
        EvalSkipped k => new() { ["type"] = "EvalSkipped", ["stage"] = k.Stage, ["step"] = k.Step, ["newer_stage"] = k.NewerStage, ["newer_step"] = k.NewerStep },
        StageCompleted c => new() { ["type"] = "StageCompleted", ["stage"] = c.Stage, ["file"] = c.File, ["sha256"] = c.Sha256, ["metrics"] = c.Metrics },
        RunCompleted => new() { ["type"] = "RunCompleted" },
        _ => new() { ["type"] = e.GetType().Name },
    };
}
