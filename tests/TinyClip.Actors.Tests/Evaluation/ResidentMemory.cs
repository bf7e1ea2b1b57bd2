namespace TinyClip.Actors.Tests.Evaluation;

/// <summary>
/// The highest resident set size (VmRSS, Linux) seen while it runs, sampled every few milliseconds on a timer thread:
/// the peak of one stretch of work, unlike VmHWM, which holds the whole process's peak.
/// </summary>
public sealed class ResidentMemory : IDisposable
{
    private readonly Timer _timer;
    private long _peak;

    public ResidentMemory()
    {
        Start = Current();
        _peak = Start;
        _timer = new Timer(_ => Sample(), null, 0, 5);
    }

    public long Start { get; }

    public long Peak
    {
        get
        {
            Sample();
            return Interlocked.Read(ref _peak);
        }
    }

    public static long Current()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:"));
        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0]) * 1024;
    }

    private void Sample()
    {
        var now = Current();
        long seen;
        do seen = Interlocked.Read(ref _peak);
        while (now > seen && Interlocked.CompareExchange(ref _peak, now, seen) != seen);
    }

    public void Dispose() => _timer.Dispose();
}
