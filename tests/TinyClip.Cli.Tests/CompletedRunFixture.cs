using TinyClip.Actors.Configuration;
using TinyClip.Actors.Monitoring;
using TinyClip.Actors.Runtime;
using TinyClip.Configuration;

namespace TinyClip.Cli.Tests;

/// <summary>
/// A real two-stage run (teacher, then distill) of tiny-test models for 3 steps each on a small synthetic dataset,
/// run once for the tests that read a run directory.
/// </summary>
public sealed class CompletedRunFixture : IAsyncLifetime
{
    public string RunDirectory { get; } = Path.Combine(Directory.CreateTempSubdirectory("tinyclip-run-").FullName, "run");

    public RunOutcome Outcome { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var config = TinyClipConfig.Load(WriteConfig(), [$"tinyclip.run.dir={RunDirectory}"]);
        Outcome = await RunHost.RunAsync(config, new SilentConsole(), CancellationToken.None);
        if (!Outcome.Succeeded) throw new InvalidOperationException($"the fixture run failed: {Outcome.Message}");
    }

    public Task DisposeAsync()
    {
        Directory.Delete(Path.GetDirectoryName(RunDirectory)!, recursive: true);
        return Task.CompletedTask;
    }

    private string WriteConfig()
    {
        var path = Path.Combine(Path.GetDirectoryName(RunDirectory)!, "run.conf");
        File.WriteAllText(path, """
            tinyclip {
              run.name = cli-test
              devices = [cpu]
              synthetic-data { generate = on, train = 200, val = 50, image-size = 32 }
              tokenizer.vocabulary-size = 600
              eval.max-samples = 50
              plan {
                stages = [teacher, distill]
                teacher { kind = teacher, model = tiny-test, init = scratch, steps = 3, batch-size = 16, warmup-steps = 1 }
                distill { kind = distill, model = tiny-test, init = scratch, steps = 3, batch-size = 16, warmup-steps = 1 }
              }
            }
            """);
        return path;
    }

    private sealed class SilentConsole : IRunConsole
    {
        public void Progress(ProgressUpdate update) { }
        public void Log(string line) { }
    }
}
