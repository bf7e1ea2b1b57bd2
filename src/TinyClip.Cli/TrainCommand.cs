using System.CommandLine;
using Spectre.Console;
using TinyClip.Actors.Configuration;
using TinyClip.Actors.Monitoring;
using TinyClip.Actors.Runtime;
using TinyClip.Configuration;

namespace TinyClip.Cli;

/// <summary><c>train</c>: runs (or resumes) the plan of a configuration; with none, the embedded demo plan.</summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var config = new Option<string?>("--config") { Description = "HOCON file with the plan and settings (default: the embedded demo plan, hocon/demo.conf)" };
        var runDir = new Option<string?>("--run-dir") { Description = "Run directory (journal, checkpoints, metrics); default runs/<tinyclip.run.name>" };
        var sets = new Option<string[]>("--set") { Description = "Override a setting: --set tinyclip.plan.distill.steps=100 (repeatable)", AllowMultipleArgumentsPerToken = false };
        var command = new Command("train", "Run the stages of a plan; rerun the same command after a crash or Ctrl-C to resume") { config, runDir, sets };
        command.SetAction((result, cancellationToken) => CliErrors.Report(async () =>
        {
            var overrides = (result.GetValue(sets) ?? Array.Empty<string>()).ToList();
            if (result.GetValue(runDir) is { } dir) overrides.Add($"tinyclip.run.dir={dir}");
            var settings = TinyClipConfig.Load(result.GetValue(config), overrides);
            var console = new TerminalConsole(!Console.IsOutputRedirected, settings.GetInt("tinyclip.training.log-every-steps", 10));
            var outcome = await RunHost.RunAsync(settings, console, cancellationToken);
            return Conclude(outcome, settings, cancellationToken);
        }));
        return command;
    }

    /// <summary>Prints and writes the results table of a run's events and returns the exit code (130: stopped on request).</summary>
    public static int Conclude(RunOutcome outcome, Akka.Configuration.Config settings, CancellationToken cancellationToken)
    {
        var report = RunReport.From(outcome.Events, settings.GetDouble("tinyclip.report.teacher-fraction", 0.9));
        if (report.Rows.Count > 0)
        {
            PrintTable(report);
            report.WriteFiles(outcome.RunDirectory);
        }
        Console.WriteLine(outcome.Succeeded ? $"run completed: {outcome.RunDirectory}" : $"run not completed: {outcome.Message}");
        return outcome.Succeeded ? 0 : cancellationToken.IsCancellationRequested ? 130 : 1;
    }

    private static void PrintTable(RunReport report)
    {
        var table = new Table().AddColumns("stage", "model", "params image+text", "zero-shot top-1", "retrieval R@1 (i2t/t2i)", "samples/s");
        foreach (var row in report.Rows)
            table.AddRow(row.Stage, row.Model, row.ParameterSummary, RunReport.Percent(row.ZeroShotTop1), $"{RunReport.Percent(row.ImageToTextR1)} / {RunReport.Percent(row.TextToImageR1)}", row.SamplesPerSecond.ToString("F0"));
        AnsiConsole.Write(table);
        if (report.Speeds.Count == 0) return;
        var speeds = new Table().AddColumns("stage", "kind", $"steps to {100 * report.TeacherFraction:0}% of teacher top-1", "evaluated up to");
        foreach (var s in report.Speeds)
            speeds.AddRow(s.Stage, s.Kind, s.StepsToReach?.ToString() ?? "not reached", s.EvaluatedSteps.ToString());
        AnsiConsole.Write(speeds);
    }
}
