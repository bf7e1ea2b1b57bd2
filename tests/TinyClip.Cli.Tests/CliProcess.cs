using System.Diagnostics;

namespace TinyClip.Cli.Tests;

public sealed record CliResult(int ExitCode, string Stdout, string Stderr);

/// <summary>Runs a built program as users do (<c>dotnet tinyclip.dll ...</c>), so argument parsing, output and exit codes are tested for real.</summary>
public static class CliProcess
{
    // Only a guard against a hung child taking the test run with it; no test asserts on time.
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(3);

    public static async Task<CliResult> RunAsync(string dll, IEnumerable<string> arguments, string? standardInput = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (standardInput is not null) await process.StandardInput.WriteAsync(standardInput);
        process.StandardInput.Close();
        using var guard = new CancellationTokenSource(HangGuard);
        try
        {
            await process.WaitForExitAsync(guard.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {dll} {string.Join(' ', arguments)} did not exit");
        }
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }
}
