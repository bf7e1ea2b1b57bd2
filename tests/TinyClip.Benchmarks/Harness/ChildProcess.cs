using System.Diagnostics;
using System.Reflection;

namespace TinyClip.Benchmarks.Harness;

/// <summary>Runs a child process with a time limit and returns its standard output.</summary>
public static class ChildProcess
{
    /// <summary>A start description that re-invokes this benchmark program (apphost or <c>dotnet program.dll</c>).</summary>
    public static ProcessStartInfo ThisProgram(params string[] arguments)
    {
        var host = Environment.ProcessPath ?? "dotnet";
        var start = new ProcessStartInfo(host);
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        return start;
    }

    public static async Task<string> RunAsync(ProcessStartInfo start, TimeSpan timeout, CancellationToken cancellationToken)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try { await process.WaitForExitAsync(limit.Token); }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{start.FileName} {string.Join(' ', start.ArgumentList)} ran longer than {timeout.TotalSeconds:F0}s");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"child process exited with {process.ExitCode}: {await stderr}");
        return await stdout;
    }
}
