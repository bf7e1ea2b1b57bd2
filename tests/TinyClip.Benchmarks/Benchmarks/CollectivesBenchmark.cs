using TinyClip.Actors.Collectives;
using TinyClip.Benchmarks.Harness;

namespace TinyClip.Benchmarks.Benchmarks;

/// <summary>In-process all-reduce bandwidth against a plain memory copy of the same size; raw TCP loopback as the baseline for cross-process work to come.</summary>
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

        var seconds = options.Pick(1.0, 3.0);
        var tcp = new List<double>();
        for (int r = 0; r < options.Repeats; r++)
            tcp.Add(await LoopbackTcp.ThroughputAsync(TimeSpan.FromSeconds(seconds), 1 << 20, cancellationToken) / 1e9);
        section.Note($"**TCP loopback baseline.** One connection on 127.0.0.1, 1 MiB writes for {seconds:F0} s per repeat, {options.Repeats} repeats: " +
                     $"{Spread.Of(tcp).Format("F2")} GB/s received. Cross-process all-reduce does not exist yet (trainers of one run share a process); " +
                     "this is the ceiling its numbers will be compared with when it does.");
        section.Note("Each member copies its buffer into the group (`Deposit`), sums its chunk over all contributions, then copies the whole result back, " +
                     "behind three barriers per call, so the ratio counts that copying and synchronisation too.");
        return section;
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
