using System.Runtime.InteropServices;

namespace TinyClip.Benchmarks.Harness;

/// <summary>The machine a run measured: absolute figures mean nothing without it.</summary>
public static class MachineInfo
{
    public static IReadOnlyList<(string Name, string Value)> Describe() => new List<(string, string)>
    {
        ("CPU", CpuModel()),
        ("Cores visible to .NET", Environment.ProcessorCount.ToString()),
        ("Memory", MemoryTotal()),
        ("OS", OsName()),
        (".NET", RuntimeInformation.FrameworkDescription),
        ("TorchSharp", typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString(3) ?? "?"),
        ("libtorch intra-op threads (its default; benchmarks do not set it)", TrainingThread.LibTorchThreads().ToString()),
    };

    /// <summary>The 1, 5 and 15 minute load averages: how busy the machine was (others' work skews every figure).</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" / ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    /// <summary>The 1-minute load average as a number (0 where /proc/loadavg is missing).</summary>
    public static double OneMinuteLoad() =>
        File.Exists("/proc/loadavg") ? double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) : 0;

    private static string CpuModel() =>
        ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name"))?.Split(':', 2)[1].Trim() ?? RuntimeInformation.ProcessArchitecture.ToString();

    private static string MemoryTotal()
    {
        var line = ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:"));
        return line is null ? "unknown" : $"{Kilobytes(line) / 1024.0 / 1024.0:F1} GiB";
    }

    private static string OsName()
    {
        var pretty = ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME="));
        return pretty is null ? RuntimeInformation.OSDescription : $"{pretty.Split('=', 2)[1].Trim('"')}, kernel {Environment.OSVersion.Version}";
    }

    /// <summary>The number of a /proc line such as "VmRSS:   12345 kB".</summary>
    public static long Kilobytes(string procLine) =>
        long.Parse(procLine.Split(':', 2)[1].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[0]);

    private static IEnumerable<string> ReadLines(string path) => File.Exists(path) ? File.ReadLines(path) : Array.Empty<string>();
}
