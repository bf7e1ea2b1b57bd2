using System.CommandLine;
using System.Text.Json;
using TinyClip.Actors.Persistence;
using TinyClip.Actors.Runtime;

namespace TinyClip.Cli;

/// <summary><c>status</c>: the run's events in order and where a restart would resume.</summary>
public static class StatusCommand
{
    public static Command Create()
    {
        var runDir = new Option<string>("--run-dir") { Description = "Run directory", Required = true };
        var json = new Option<bool>("--json") { Description = "Machine-readable output" };
        var command = new Command("status", "Show a run's stage events (stages, checkpoints, evaluations) and its resume point") { runDir, json };
        command.SetAction((result, cancellationToken) => CliErrors.Report(async () =>
        {
            var events = await JournalReader.ReadAsync(result.GetValue(runDir)!, cancellationToken);
            var status = RunStatus.From(events);
            Console.WriteLine(result.GetValue(json) ? JsonSerializer.Serialize(status.ToJson(), JsonOutput.Indented) : status.ToText());
            return 0;
        }));
        return command;
    }
}
