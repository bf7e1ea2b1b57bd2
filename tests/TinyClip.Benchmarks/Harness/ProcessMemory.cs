namespace TinyClip.Benchmarks.Harness;

/// <summary>This process's resident memory from /proc/self/status (Linux).</summary>
public static class ProcessMemory
{
    /// <summary>Current resident set size in bytes.</summary>
    public static long Resident() => Field("VmRSS:");

    /// <summary>Peak resident set size of the process so far in bytes.</summary>
    public static long PeakResident() => Field("VmHWM:");

    private static long Field(string name)
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith(name))
            ?? throw new PlatformNotSupportedException($"/proc/self/status has no {name} line");
        return MachineInfo.Kilobytes(line) * 1024;
    }
}
