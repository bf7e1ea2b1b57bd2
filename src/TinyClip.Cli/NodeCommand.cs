using System.CommandLine;
using TinyClip.Actors.Cluster;
using TinyClip.Actors.Configuration;
using TinyClip.Configuration;

namespace TinyClip.Cli;

/// <summary><c>node</c>: one process of a multi-node run (coordinator and/or trainer) on Akka.Cluster.</summary>
public static class NodeCommand
{
    public static Command Create()
    {
        var roles = new Option<string?>("--role") { Description = "coordinator, trainer, or both: coordinator,trainer (default from tinyclip.cluster.roles)" };
        var seeds = new Option<string?>("--seed-nodes") { Description = "Comma-separated seed addresses, e.g. akka.tcp://tinyclip@127.0.0.1:4053" };
        var hostname = new Option<string?>("--hostname") { Description = "Address to bind and advertise (default 127.0.0.1)" };
        var port = new Option<int?>("--port") { Description = "Port to bind (default from tinyclip.remoting.port)" };
        var config = new Option<string?>("--config") { Description = "HOCON file with the plan and settings (default: the embedded demo plan), layered over hocon/cluster.conf and hocon/postgres.conf" };
        var runDir = new Option<string?>("--run-dir") { Description = "The run directory, shared by every node" };
        var sets = new Option<string[]>("--set") { Description = "Override a setting (repeatable)", AllowMultipleArgumentsPerToken = false };
        var command = new Command("node", "Run one node of a multi-node training run; all nodes run the same plan and share the run directory")
        {
            roles, seeds, hostname, port, config, runDir, sets,
        };
        command.SetAction((result, cancellationToken) => CliErrors.Report(async () =>
        {
            var overrides = new List<string>();
            if (result.GetValue(roles) is { } r) overrides.Add($"tinyclip.cluster.roles={HoconList(r)}");
            if (result.GetValue(seeds) is { } s) overrides.Add($"tinyclip.cluster.seed-nodes={HoconList(s)}");
            if (result.GetValue(hostname) is { } h) overrides.Add($"tinyclip.remoting.hostname=\"{h}\"");
            if (result.GetValue(port) is { } p) overrides.Add($"tinyclip.remoting.port={p}");
            if (result.GetValue(runDir) is { } dir) overrides.Add($"tinyclip.run.dir={dir}");
            // --set comes last so that it wins over the options above.
            overrides.AddRange(result.GetValue(sets) ?? Array.Empty<string>());
            var settings = TinyClipConfig.Load(result.GetValue(config), overrides, TinyClipConfig.ClusterLayers);
            var console = new TerminalConsole(!Console.IsOutputRedirected, settings.GetInt("tinyclip.training.log-every-steps", 10));
            var outcome = await ClusterHost.RunAsync(settings, console, cancellationToken);
            return TrainCommand.Conclude(outcome, settings, cancellationToken);
        }));
        return command;
    }

    /// <summary>"a, b" -> ["a", "b"] in HOCON.</summary>
    private static string HoconList(string commaSeparated) =>
        "[" + string.Join(", ", commaSeparated.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(v => "\"" + v.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"")) + "]";
}
