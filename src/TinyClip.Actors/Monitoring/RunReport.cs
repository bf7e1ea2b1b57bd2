using System.Globalization;
using System.Text;
using TinyClip.Actors.Persistence;

namespace TinyClip.Actors.Monitoring;

/// <summary>One line of the results table: a completed stage's student and its final evaluation.</summary>
public sealed record StageResult(string Stage, string Model, double ParametersImage, double ParametersText,
    double? ZeroShotTop1, double? ImageToTextR1, double? TextToImageR1, double SamplesPerSecond)
{
    public string ParameterSummary => $"{Millions(ParametersImage)} + {Millions(ParametersText)}";

    private static string Millions(double count) => (count / 1e6).ToString("0.00", CultureInfo.InvariantCulture) + "M";
}

/// <summary>How fast a stage's student reached a fraction of the teacher stage's final zero-shot top-1 (the weight-inheritance ablation).</summary>
public sealed record StageSpeed(string Stage, string Kind, double TargetTop1, long? StepsToReach, long EvaluatedSteps);

/// <summary>The results of a run, from its events: the table printed at the end and written to report.md, plus plots.</summary>
public sealed record RunReport(IReadOnlyList<StageResult> Rows, IReadOnlyList<StageSpeed> Speeds, double TeacherFraction)
{
    public static RunReport From(IReadOnlyList<IStageEvent> events, double teacherFraction = 0.9)
    {
        var rows = new List<StageResult>();
        foreach (var completed in events.OfType<StageCompleted>())
        {
            var started = events.OfType<StageStarted>().LastOrDefault(s => s.Stage == completed.Stage);
            var eval = events.OfType<EvalRecorded>().Where(e => e.Stage == completed.Stage).MaxBy(e => e.Step);
            rows.Add(new StageResult(completed.Stage, started?.Student ?? "?",
                completed.Metrics.GetValueOrDefault("params_image"), completed.Metrics.GetValueOrDefault("params_text"),
                Metric(eval, "zero_shot_top1"), Metric(eval, "i2t_r1"), Metric(eval, "t2i_r1"),
                completed.Metrics.GetValueOrDefault("samples_per_second")));
        }
        return new RunReport(rows, SpeedsOf(events, teacherFraction), teacherFraction);
    }

    /// <summary>
    /// For every stage after a teacher stage: the first evaluated step at which its zero-shot top-1 reached
    /// <paramref name="fraction"/> of the teacher stage's final top-1 (null: not within the stage).
    /// </summary>
    private static IReadOnlyList<StageSpeed> SpeedsOf(IReadOnlyList<IStageEvent> events, double fraction)
    {
        var teacher = events.OfType<StageStarted>().FirstOrDefault(s => s.Kind == "teacher");
        var teacherEval = teacher is null ? null : events.OfType<EvalRecorded>().Where(e => e.Stage == teacher.Stage).MaxBy(e => e.Step);
        if (Metric(teacherEval, "zero_shot_top1") is not { } teacherTop1) return Array.Empty<StageSpeed>();
        double target = fraction * teacherTop1;
        return events.OfType<StageStarted>().Where(s => s.Kind != "teacher").Select(started =>
        {
            var evals = events.OfType<EvalRecorded>().Where(e => e.Stage == started.Stage && e.Metrics.ContainsKey("zero_shot_top1"))
                .OrderBy(e => e.Step).ToList();
            var reached = evals.FirstOrDefault(e => e.Metrics["zero_shot_top1"] >= target);
            return new StageSpeed(started.Stage, started.Kind, target, reached?.Step, evals.Count == 0 ? 0 : evals[^1].Step);
        }).Where(s => s.EvaluatedSteps > 0).ToList();
    }

    public static string Percent(double? value) => value is { } v ? (100 * v).ToString("0.0", CultureInfo.InvariantCulture) + "%" : "-";

    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.AppendLine("| stage | model | params image+text | zero-shot top-1 | R@1 image->text | R@1 text->image | training samples/s |");
        text.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var r in Rows)
            text.AppendLine($"| {r.Stage} | {r.Model} | {r.ParameterSummary} | {Percent(r.ZeroShotTop1)} | {Percent(r.ImageToTextR1)} | {Percent(r.TextToImageR1)} | {r.SamplesPerSecond:F0} |");
        if (Speeds.Count > 0)
        {
            text.AppendLine().AppendLine($"Steps to reach {100 * TeacherFraction:0}% of the teacher's zero-shot top-1 ({Percent(Speeds[0].TargetTop1)}), at the evaluated steps:").AppendLine();
            text.AppendLine("| stage | kind | steps to reach | evaluated up to step |").AppendLine("|---|---|---|---|");
            foreach (var speed in Speeds)
                text.AppendLine($"| {speed.Stage} | {speed.Kind} | {(speed.StepsToReach is { } n ? n.ToString() : "not reached")} | {speed.EvaluatedSteps} |");
        }
        return text.ToString();
    }

    /// <summary>report.md and plots/*.png (loss and evaluation curves from metrics.jsonl).</summary>
    public void WriteFiles(string runDirectory)
    {
        var metrics = MetricsLog.Read(Path.Combine(runDirectory, "metrics.jsonl"));
        var plots = Path.Combine(runDirectory, "plots");
        Directory.CreateDirectory(plots);
        var written = new List<string>();
        foreach (var stage in Rows.Select(r => r.Stage))
        {
            var train = metrics.Where(m => m.GetProperty("type").GetString() == "train" && m.GetProperty("stage").GetString() == stage).ToList();
            if (train.Count > 1)
            {
                var plot = new ScottPlot.Plot();
                plot.Add.Scatter(train.Select(m => m.GetProperty("step").GetDouble()).ToArray(), train.Select(m => m.GetProperty("loss").GetDouble()).ToArray());
                plot.Title($"{stage}: training loss");
                plot.XLabel("step");
                plot.YLabel("loss");
                var file = Path.Combine(plots, $"{stage}-loss.png");
                plot.SavePng(file, 800, 500);
                written.Add(file);
            }
            var eval = metrics.Where(m => m.GetProperty("type").GetString() == "eval" && m.GetProperty("stage").GetString() == stage
                                          && m.TryGetProperty("zero_shot_top1", out _)).OrderBy(m => m.GetProperty("step").GetDouble()).ToList();
            if (eval.Count > 0)
            {
                var plot = new ScottPlot.Plot();
                plot.Add.Scatter(eval.Select(m => m.GetProperty("step").GetDouble()).ToArray(), eval.Select(m => 100 * m.GetProperty("zero_shot_top1").GetDouble()).ToArray());
                plot.Title($"{stage}: zero-shot top-1 (%)");
                plot.XLabel("step");
                plot.YLabel("top-1 %");
                var file = Path.Combine(plots, $"{stage}-zero-shot.png");
                plot.SavePng(file, 800, 500);
                written.Add(file);
            }
        }
        var report = new StringBuilder("# Run report\n\n").Append(ToMarkdown()).AppendLine();
        foreach (var file in written) report.AppendLine($"![{Path.GetFileNameWithoutExtension(file)}](plots/{Path.GetFileName(file)})");
        File.WriteAllText(Path.Combine(runDirectory, "report.md"), report.ToString());
    }

    private static double? Metric(EvalRecorded? eval, string name) => eval is not null && eval.Metrics.TryGetValue(name, out var v) ? v : null;
}
