using TinyClip.Actors.Monitoring;
using TinyClip.Actors.Runtime;

namespace TinyClip.Cli;

/// <summary>
/// Progress on a terminal: one status line rewritten in place (stage, step/total, samples/s, loss, ETA), at most a
/// few times a second. When output is redirected: a plain log line every <c>plainEvery</c> steps.
/// </summary>
public sealed class TerminalConsole(bool interactive, int plainEvery) : IRunConsole
{
    private readonly object _gate = new();
    private DateTime _lastDraw = DateTime.MinValue;
    private int _lastWidth;

    public void Progress(ProgressUpdate u)
    {
        var line = $"[{u.Stage}] step {u.Step}/{u.TotalSteps} | {u.SamplesPerSecond:F0} samples/s | loss {u.Loss:F4} | ETA {(u.Eta is { } eta ? eta.ToString(@"hh\:mm\:ss") : "--")}";
        lock (_gate)
        {
            if (interactive)
            {
                if (u.Step != u.TotalSteps && DateTime.UtcNow - _lastDraw < TimeSpan.FromMilliseconds(250)) return;
                _lastDraw = DateTime.UtcNow;
                Console.Write("\r" + line.PadRight(_lastWidth));
                _lastWidth = line.Length;
                if (u.Step == u.TotalSteps) { Console.WriteLine(); _lastWidth = 0; }
            }
            else if (u.Step % plainEvery == 0 || u.Step == u.TotalSteps)
            {
                Console.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {line}");
            }
        }
    }

    public void Log(string line)
    {
        lock (_gate)
        {
            if (interactive && _lastWidth > 0) { Console.WriteLine(); _lastWidth = 0; }
            Console.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {line}");
        }
    }
}
