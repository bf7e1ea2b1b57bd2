using System.Diagnostics;
using System.Globalization;

namespace TinyClip.Benchmarks.Harness;

/// <summary>Times Pillow (Debian's python3-pil) decoding JPEG files to RGB, one thread, in a python3 child process.</summary>
public static class PillowDecoder
{
    private const string Script = """
import io, os, sys, time
from PIL import Image
folder, warmups, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
blobs = [open(os.path.join(folder, n), 'rb').read() for n in sorted(os.listdir(folder))]
def once():
    for b in blobs:
        Image.open(io.BytesIO(b)).convert('RGB').load()
for _ in range(warmups): once()
for _ in range(repeats):
    t = time.perf_counter(); once(); print(len(blobs) / (time.perf_counter() - t))
""";

    /// <summary>True when python3 can import PIL here.</summary>
    public static bool IsInstalled() => Run(new[] { "-c", "import PIL" }, TimeSpan.FromSeconds(20)).ExitCode == 0;

    /// <summary>Images per second of each timed repeat over the files in <paramref name="folder"/>.</summary>
    public static double[] ImagesPerSecond(string folder, int warmUps, int repeats)
    {
        var (exit, output) = Run(new[] { "-c", Script, folder, warmUps.ToString(), repeats.ToString() }, TimeSpan.FromMinutes(5));
        if (exit != 0) throw new InvalidOperationException($"python3 Pillow timing failed ({exit}): {output}");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => double.Parse(l, CultureInfo.InvariantCulture)).ToArray();
    }

    private static (int ExitCode, string Output) Run(IEnumerable<string> arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        try
        {
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                return (-1, "timed out");
            }
            return (process.ExitCode, stdout.Result + stderr.Result);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, $"python3 not found: {e.Message}");
        }
    }
}
