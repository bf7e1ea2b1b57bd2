using Akka.Configuration;
using TinyClip.Actors.Configuration;
using TinyClip.Actors.Monitoring;
using TinyClip.Actors.Persistence;
using TinyClip.Actors.Runtime;
using TinyClip.Configuration;

namespace TinyClip.Benchmarks.Harness;

/// <summary>A one-stage plan run to its end in this process by the whole actor runtime (<c>RunHost.RunAsync</c>).</summary>
public static class ActorRun
{
    /// <summary>The trainer's own samples/s from the <c>StageCompleted</c> event (batch x steps / time from its start to its last step).</summary>
    public static async Task<double> SamplesPerSecondAsync(OneStagePlan plan, CancellationToken cancellationToken)
    {
        var config = ConfigurationFactory.ParseString(plan.ToHocon()).WithFallback(TinyClipConfig.Reference);
        var run = RunHost.RunAsync(config, new SilentConsole(), cancellationToken);
        if (await Task.WhenAny(run, Task.Delay(TimeSpan.FromMinutes(10), cancellationToken)) != run)
            throw new TimeoutException("the actor run did not finish within 10 minutes");
        var outcome = await run;
        if (!outcome.Succeeded) throw new InvalidOperationException($"the actor run failed: {outcome.Message}");
        var completed = outcome.Events.OfType<StageCompleted>().Single();
        return completed.Metrics["samples_per_second"];
    }

    private sealed class SilentConsole : IRunConsole
    {
        public void Progress(ProgressUpdate update) { }
        public void Log(string line) { }
    }
}
