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

    public void Progress(ProgressUpdate update)
    {
        var line = $"[{update.Stage}] step {update.Step}/{update.TotalSteps} | {update.SamplesPerSecond:F0} samples/s | loss {update.Loss:F4} | ETA {(update.Eta is { } eta ? eta.ToString(@"hh\:mm\:ss") : "--")}";
        lock (_gate)
        {
            if (interactive)
            {
                if (update.Step != update.TotalSteps && DateTime.UtcNow - _lastDraw < TimeSpan.FromMilliseconds(250)) return;
                _lastDraw = DateTime.UtcNow;
                Console.Write("\r" + line.PadRight(_lastWidth));
                _lastWidth = line.Length;
                if (update.Step == update.TotalSteps) { Console.WriteLine(); _lastWidth = 0; }
            }
            else if (update.Step % plainEvery == 0 || update.Step == update.TotalSteps)
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
