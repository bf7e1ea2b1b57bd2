using System.Diagnostics;
using System.Text;

namespace TinyClip.Integration.Tests;

/// <summary>The built `tinyclip` CLI run as a child process (copied beside the tests by the project reference).</summary>
public sealed class CliProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private CliProcess(Process process) => _process = process;

    public static string CliDll => Path.Combine(AppContext.BaseDirectory, "tinyclip.dll");

    public static CliProcess Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(CliDll);
        foreach (var a in args) info.ArgumentList.Add(a);
        var process = Process.Start(info)!;
        var cli = new CliProcess(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (cli._output) cli._output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (cli._output) cli._output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return cli;
    }

    /// <summary>Runs to completion (bounded) and returns the exit code and everything printed.</summary>
    public static (int ExitCode, string Output) Run(TimeSpan timeout, params string[] args)
    {
        using var cli = Start(args);
        return (cli.WaitForExit(timeout), cli.Output);
    }

    public string Output { get { lock (_output) return _output.ToString(); } }

    public bool HasExited => _process.HasExited;

    /// <summary>The process id (AtomicFile puts it in its temporary file names).</summary>
    public int Id => _process.Id;

    /// <summary>
    /// The tests' one way to wait for a condition: polls <paramref name="condition"/> (every <paramref name="pollEvery"/>,
    /// 20 ms by default) until it holds; fails naming <paramref name="what"/>, with the output, when this process ends first
    /// or <paramref name="timeout"/> passes.
    /// </summary>
    public void WaitUntil(Func<bool> condition, string what, TimeSpan timeout, TimeSpan? pollEvery = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            Assert.False(HasExited, $"the process ended before {what}:\n{Output}");
            Assert.True(DateTime.UtcNow < deadline, $"{what}: not within {timeout}:\n{Output}");
            Thread.Sleep(pollEvery ?? TimeSpan.FromMilliseconds(20));
        }
    }

    /// <summary>Whether this process holds <paramref name="path"/> open (Linux: a link in /proc/&lt;pid&gt;/fd points to it).</summary>
    public bool HasOpen(string path)
    {
        var full = Path.GetFullPath(path);
        try
        {
            return Directory.EnumerateFileSystemEntries($"/proc/{Id}/fd")
                .Any(fd => new FileInfo(fd).LinkTarget is { } target && target == full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; } // closed while listing, or exited
    }

    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            Kill();
            throw new TimeoutException($"tinyclip did not finish within {timeout}:\n{Output}");
        }
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>
    /// SIGTERM, which the CLI handles exactly like Ctrl-C (SIGINT). Tests send SIGTERM because a process started from a
    /// background job of a non-interactive shell inherits SIGINT as ignored, which would make a SIGINT test depend on
    /// how the test runner was launched.
    /// </summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", new[] { "-TERM", _process.Id.ToString() })!;
        kill.WaitForExit();
    }

    /// <summary>SIGKILL: no shutdown hooks, no flushing; what is durable is what survives.</summary>
    public void Kill()
    {
        if (_process.HasExited) return;
        // The CLI runs inside the dotnet host's process and starts no children, and killing one process is immediate
        // (walking a process tree first takes milliseconds): the moment a test picks is the moment it dies.
        _process.Kill();
        _process.WaitForExit();
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
