using System.Diagnostics;
using TinyClip.Actors.Collectives;
using TinyClip.Benchmarks.Harness;

namespace TinyClip.Benchmarks.Benchmarks;

/// <summary>
/// All-reduce between two processes, one trainer each, through <see cref="HierarchicalCollectiveGroup"/> over Akka
/// remoting (<see cref="CollectiveNodes"/>: two copies of this program). Both run the same schedule, so their calls
/// meet step by step; node 0 times it.
/// </summary>
public static class CrossProcessAllReduce
{
    public const string JobName = "all-reduce";

    /// <summary>Seconds of each timed repeat (<paramref name="operations"/> all-reduces) per buffer size, measured on node 0.</summary>
    public static async Task<IReadOnlyList<double[]>> MeasureAsync(IReadOnlyList<int> megabytes, int operations, int repeats, CancellationToken cancellationToken) =>
        await CollectiveNodes.RunAsync(2, JobName, new[] { operations.ToString(), repeats.ToString(), string.Join(",", megabytes) },
            TimeSpan.FromMinutes(10), cancellationToken);

    /// <summary>One node's schedule: per buffer size, one warm-up repeat, then the timed ones (one result line per size).</summary>
    public static void Run(CollectiveNodes.Node node, string[] args, Action<IEnumerable<double>> results)
    {
        int operations = int.Parse(args[0]), repeats = int.Parse(args[1]);
        var megabytes = args[2].Split(',').Select(int.Parse).ToList();
        const int session = 1;
        var member = node.Join(session);
        long step = 0;
        foreach (var size in megabytes)
        {
            var buffer = new float[size * 1024 * 1024 / sizeof(float)];
            for (int i = 0; i < buffer.Length; i++) buffer[i] = (i % 1024) * 1e-3f; // finite, no denormals: values do not change the timing
            // One warm-up repeat (the first call also resolves and watches the peer), then the timed ones.
            results(Stopwatches.Repeat(1, repeats, () =>
            {
                member.Barrier(new CollectiveTag(session, step++, "start"));
                for (int i = 0; i < operations; i++) member.AllReduceSum(buffer, new CollectiveTag(session, step++, "bench"));
            }));
        }
    }
}
