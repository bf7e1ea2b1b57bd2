using TinyClip.Actors.Collectives;
using TinyClip.Benchmarks.Harness;

namespace TinyClip.Benchmarks.Benchmarks;

/// <summary>
/// In-process all-reduce bandwidth against a plain memory copy of the same size, and cross-process all-reduce (two
/// processes over Akka remoting) against raw TCP loopback moving the same bytes.
/// </summary>
public sealed class CollectivesBenchmark : IBenchmark
{
    private static readonly int[] BufferMegabytes = { 4, 40 };
    private static readonly int[] WorldSizes = { 2, 3 };

    public string Name => "collectives";

    public async Task<BenchmarkSection> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        int operations = options.Pick(3, 10);
        var section = new BenchmarkSection("5. Collectives",
            $"*All-reduce*: `InProcessCollectiveGroup` with 2 and 3 members, each on its own thread, each calling `AllReduceSum` on its own float buffer; " +
            $"one repeat = {operations} consecutive all-reduces, time from the start barrier until every member returns; bandwidth = buffer bytes x operations / time " +
            "(the bytes one member gets reduced, so it compares directly with a copy). *Copy*: `Buffer.BlockCopy` of the same number of bytes between two arrays, " +
            $"{operations} times, on one thread, in the same repeat. One warm-up repeat, then {options.Repeats}; ratio per repeat.")
            .Columns("buffer", "members", "all-reduce GB/s", "memory copy GB/s", "all-reduce / copy");

        foreach (var megabytes in BufferMegabytes)
        {
            int floats = megabytes * 1024 * 1024 / sizeof(float);
            var source = new float[floats];
            var target = new float[floats];
            new Random(1).NextBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(source.AsSpan()));
            foreach (var members in WorldSizes)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var buffers = Enumerable.Range(0, members).Select(_ => new float[floats]).ToArray();
                var reduce = new List<double>();
                var copy = new List<double>();
                for (int r = -1; r < options.Repeats; r++)
                {
                    double reduceSeconds = AllReduceSeconds(buffers, operations);
                    double copySeconds = Stopwatches.Time(() =>
                    {
                        for (int i = 0; i < operations; i++) Buffer.BlockCopy(source, 0, target, 0, floats * sizeof(float));
                    });
                    if (r < 0) continue;
                    reduce.Add(BytesPerSecond(floats, operations, reduceSeconds));
                    copy.Add(BytesPerSecond(floats, operations, copySeconds));
                }
                section.Row($"{megabytes} MB", members.ToString(), Spread.Of(reduce).Format("F2"), Spread.Of(copy).Format("F2"),
                    Spread.Of(reduce.Zip(copy, (a, c) => a / c)).Format("F2"));
            }
        }

        await CrossProcess(section, options, cancellationToken);

        var seconds = options.Pick(1.0, 3.0);
        var tcp = new List<double>();
        for (int r = 0; r < options.Repeats; r++)
            tcp.Add(await LoopbackTcp.ThroughputAsync(TimeSpan.FromSeconds(seconds), 1 << 20, cancellationToken) / 1e9);
        section.Note($"**TCP loopback baseline.** One connection on 127.0.0.1, 1 MiB writes for {seconds:F0} s per repeat, {options.Repeats} repeats: " +
                     $"{Spread.Of(tcp).Format("F2")} GB/s received (one direction at a time; the cross-process ratios above use a two-way baseline).");
        section.Note("Each member copies its buffer into the group (`Deposit`), sums its chunk over all contributions, then copies the whole result back, " +
                     "behind three barriers per call, so the ratio counts that copying and synchronisation too.");
        return section;
    }

    /// <summary>Two processes, one trainer each: HierarchicalCollectiveGroup over Akka remoting against plain TCP moving the same bytes.</summary>
    private static async Task CrossProcess(BenchmarkSection section, BenchOptions options, CancellationToken cancellationToken)
    {
        int operations = options.Pick(2, 5);
        var seconds = await CrossProcessAllReduce.MeasureAsync(BufferMegabytes, operations, options.Repeats, cancellationToken);
        var table = new System.Text.StringBuilder()
            .AppendLine("| buffer | all-reduce GB/s (algorithm bandwidth) | raw TCP GB/s (same bytes, both ways) | all-reduce / raw TCP |")
            .AppendLine("| --- | --- | --- | --- |");
        for (int size = 0; size < BufferMegabytes.Length; size++)
        {
            long bytes = (long)BufferMegabytes[size] * 1024 * 1024;
            // With two nodes each sends and receives half the buffer twice (reduce-scatter, then all-gather): the buffer's size each way.
            await LoopbackTcp.RawTcpExchangeSecondsAsync(bytes, 1 << 20, cancellationToken); // warm-up
            var tcp = new List<double>();
            for (int r = 0; r < options.Repeats; r++)
                tcp.Add(bytes * operations / await LoopbackTcp.RawTcpExchangeSecondsAsync(bytes * operations, 1 << 20, cancellationToken) / 1e9);
            var reduce = seconds[size].Select(s => bytes * operations / s / 1e9).ToList();
            table.AppendLine($"| {BufferMegabytes[size]} MB | {Spread.Of(reduce).Format("F3")} | {Spread.Of(tcp).Format("F2")} | " +
                             $"{Spread.Of(reduce.Zip(tcp, (a, t) => a / t)).Format("F3")} |");
        }
        section.Note("**Cross-process all-reduce.** Two copies of the benchmark program (hidden mode " +
                     $"`{CollectiveNodes.NodeCommand}`), each an ActorSystem with remoting on 127.0.0.1 and one trainer, run `HierarchicalCollectiveGroup.AllReduceSum` " +
                     $"with {SettingsInWords()}; both processes run the same schedule. " +
                     $"One repeat = a barrier, then {operations} consecutive all-reduces; one warm-up repeat, then {options.Repeats}, timed in node 0. " +
                     "Algorithm bandwidth = buffer bytes x all-reduces / time. *Raw TCP*: one plain TCP connection on 127.0.0.1 inside this process, " +
                     "both ends writing and reading the buffer's bytes x all-reduces at the same time in 1 MiB writes (each node of a two-node all-reduce sends and " +
                     $"receives the buffer's size); {options.Repeats} repeats after one warm-up, ratio per repeat.\n\n" + table.ToString().TrimEnd());
    }

    /// <summary>The collective and remoting settings the nodes run with, as the report names them.</summary>
    internal static string SettingsInWords()
    {
        var config = CollectiveNodes.Settings;
        var remoting = TinyClip.Actors.Cluster.RemotingSettings.Read(config);
        var collectives = CollectiveSettings.Read(config, remoting);
        var overridden = Environment.GetEnvironmentVariable(CollectiveNodes.SettingsVariable);
        return (string.IsNullOrWhiteSpace(overridden) ? "the shipped settings" : $"`{CollectiveNodes.SettingsVariable}` = `{overridden.Trim()}` over the shipped settings") +
               $" (payload over direct TCP connections between the node leaders in {collectives.ChunkBytes / 1024.0 / 1024:0.##} MiB frames" +
               (remoting.Tls.Enabled ? ", TLS" : "") + "; Akka remoting for control only)";
    }

    /// <summary>Seconds for every member to finish <paramref name="operations"/> all-reduces, from a common start.</summary>
    private static double AllReduceSeconds(float[][] buffers, int operations)
    {
        var group = new InProcessCollectiveGroup(buffers.Length, TimeSpan.FromMinutes(2));
        using var start = new Barrier(buffers.Length + 1);
        var threads = group.Members.Select(member => new Thread(() =>
        {
            start.SignalAndWait();
            for (int i = 0; i < operations; i++) member.AllReduceSum(buffers[member.Rank], new CollectiveTag(0, i, "bench"));
        }) { IsBackground = true }).ToList();
        threads.ForEach(t => t.Start());
        return Stopwatches.Time(() =>
        {
            start.SignalAndWait();
            threads.ForEach(t => t.Join());
        });
    }

    private static double BytesPerSecond(int floats, int operations, double seconds) => (double)floats * sizeof(float) * operations / seconds / 1e9;
}
