using System.Diagnostics;
using System.Text.Json;

namespace TinyClip.Benchmarks.Harness;

/// <summary>The built tinyclip CLI running <c>train</c> as a child process, watched through its run directory's metrics.jsonl.</summary>
public sealed class CliRun : IDisposable
{
    private readonly Process _process;

    private CliRun(Process process, string runDirectory)
    {
        _process = process;
        MetricsPath = Path.Combine(runDirectory, "metrics.jsonl");
    }

    public string MetricsPath { get; }

    /// <summary>tinyclip.dll of the CLI built with the same configuration as this program (the project reference builds it).</summary>
    public static string CliAssembly(string repositoryRoot)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name; // bin/<configuration>/<tfm>/
        var path = Path.Combine(repositoryRoot, "src", "TinyClip.Cli", "bin", configuration, "net10.0", "tinyclip.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"the CLI is not built at {path}: run `dotnet build -c {configuration} src/TinyClip.Cli`", path);
    }

    public static CliRun Start(string cliAssembly, string configFile, string runDirectory)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { cliAssembly, "train", "--config", configFile, "--run-dir", runDirectory }) start.ArgumentList.Add(argument);
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the tinyclip CLI");
        // Drained and dropped: a full pipe would block the child.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new CliRun(process, runDirectory);
    }

    /// <summary>The (step, time) of every complete train line so far.</summary>
    public IReadOnlyList<(long Step, DateTimeOffset Time)> TrainSteps()
    {
        if (!File.Exists(MetricsPath)) return Array.Empty<(long, DateTimeOffset)>();
        using var stream = new FileStream(MetricsPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        var steps = new List<(long, DateTimeOffset)>();
        while (reader.ReadLine() is { } line)
        {
            try
            {
                var record = JsonDocument.Parse(line).RootElement;
                if (record.GetProperty("type").GetString() == "train")
                    steps.Add((record.GetProperty("step").GetInt64(), record.GetProperty("time").GetDateTimeOffset()));
            }
            catch (JsonException) { /* the line being written */ }
        }
        return steps;
    }

    /// <summary>Polls until <paramref name="condition"/> holds; fails if the process exits first or the time runs out.</summary>
    public async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (_process.HasExited) throw new InvalidOperationException($"tinyclip exited with {_process.ExitCode} before {what}");
            if (clock.Elapsed > timeout) throw new TimeoutException($"no {what} within {timeout.TotalSeconds:F0}s");
            await Task.Delay(25, cancellationToken);
        }
    }

    /// <summary>A crash as the OS sees it: the whole process tree, no graceful stop.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit(30_000);
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
