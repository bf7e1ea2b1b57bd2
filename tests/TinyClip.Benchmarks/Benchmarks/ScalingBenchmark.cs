using System.Diagnostics;
using TinyClip.Actors.Collectives;
using TinyClip.Benchmarks.Harness;

namespace TinyClip.Benchmarks.Benchmarks;

/// <summary>
/// Step time when one global batch is trained by 1, 2 and 3 trainer processes (data parallel), connected as cluster
/// mode connects nodes (<see cref="CollectiveNodes"/>): the same preset and global batch, each process one
/// <see cref="Actors.Training.TrainerCore"/> on one thread with one libtorch thread, pre-made batches (no data loading).
/// </summary>
public sealed class ScalingBenchmark : IBenchmark
{
    public const string JobName = "scaling";
    public const string OverlapArgument = "overlap";
    private const string Preset = "demo-student";
    private const int GlobalBatch = 48; // splits 1, 2 and 3 ways evenly
    private static readonly int[] Processes = { 1, 2, 3 };

    public string Name => "scaling";

    public async Task<BenchmarkSection> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        int warmUps = options.Pick(2, 3), steps = options.Pick(5, 3 * options.Repeats);
        var section = new BenchmarkSection("6. Data-parallel scaling (1, 2, 3 trainer processes)",
            $"One global batch of {GlobalBatch} ({Preset}, teacher-kind stage as in 1) trained by W = 1, 2, 3 trainer processes: W copies of the benchmark program " +
            $"(hidden mode `{CollectiveNodes.NodeCommand}`), each an ActorSystem with remoting on 127.0.0.1, a `NodeExchange` and one `TrainerCore` " +
            $"(rank k takes rows [k·{GlobalBatch}/W, (k+1)·{GlobalBatch}/W)), on one dedicated thread with `torch.set_num_threads(1)`, joined by " +
            "`HierarchicalCollectiveGroup` over topology (session, one `NodeSlot(address, rank, 1)` per process, this node) as cluster mode builds it, with " +
            $"{CollectivesBenchmark.SettingsInWords()}. Each step all-gathers the features and all-reduces the gradients (about 1.85M floats = 7.4 MB) across processes. " +
            $"Random pixels and tokens made once before timing (no data loading). {warmUps} warm-up steps, then {steps} timed steps, timed on rank 0; " +
            "*in collectives* is rank 0's time inside `AllGather` and `AllReduceSum` per step (waiting for slower ranks included).")
            .Columns("trainer processes W", "rows per trainer", "s/step median (min–max)", "samples/s (median)", "speed-up vs W = 1", "in collectives, s/step", "collective share");

        double? single = null;
        foreach (var processes in Processes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Console.WriteLine($"  {processes} process(es)");
            var lines = await CollectiveNodes.RunAsync(processes, JobName, new[] { Preset, GlobalBatch.ToString(), warmUps.ToString(), steps.ToString() },
                TimeSpan.FromMinutes(10), cancellationToken);
            var stepSeconds = Spread.Of(lines.Select(l => l[0]));
            var collectiveSeconds = Spread.Of(lines.Select(l => l[1]));
            var share = Spread.Of(lines.Select(l => l[1] / l[0]));
            single ??= stepSeconds.Median;
            section.Row(processes.ToString(), (GlobalBatch / processes).ToString(), stepSeconds.Format("F3"), (GlobalBatch / stepSeconds.Median).ToString("F1"),
                (single.Value / stepSeconds.Median).ToString("F2") + "x", collectiveSeconds.Format("F3"), share.Format("P0"));
        }
        section.Note($"**Reading it.** This machine has {Environment.ProcessorCount} cores. W single-threaded processes can use at most min(W, cores) of them, " +
                     "so with 2 cores the speed-up cannot pass 2x, and W = 3 shares 2 cores between 3 trainers (plus their network threads): it measures " +
                     "the cost of oversubscription and of a third node in the all-reduce, not scaling. W = 1 runs no remote traffic at all (a single node's " +
                     "collectives stay in process). Speed-up below W on free cores is the collectives' share plus work that does not shrink with the local batch.");
        return section;
    }

    /// <summary>One trainer process: builds its TrainerCore on a dedicated single-threaded libtorch thread and reports rank 0's step times.
    /// Arguments: preset, global batch, warm-up steps, timed steps, and optionally <c>overlap</c> for the overlapped gradient exchange.</summary>
    public static void RunNode(CollectiveNodes.Node node, string[] args, Action<IEnumerable<double>> results)
    {
        string preset = args[0];
        int globalBatch = int.Parse(args[1]), warmUps = int.Parse(args[2]), steps = int.Parse(args[3]);
        bool overlap = args.Length > 4 && args[4] == OverlapArgument;
        var stage = StandaloneTrainer.Stage(preset, globalBatch, steps: 1_000_000);
        using var scratch = new TempDirectory("scaling");
        TrainingThread.Run(() =>
        {
            TorchSharp.torch.set_num_threads(1);
            var collective = new TimedCollective(node.Join(StandaloneTrainer.Assignment(stage).CollectiveSession));
            using var core = StandaloneTrainer.Create(stage, null, scratch.Path, collective, overlap);
            for (int i = 0; i < warmUps + steps; i++)
            {
                var batch = StandaloneTrainer.RandomBatch(core.Student.Config, globalBatch, i, collective.Rank, collective.WorldSize);
                collective.Elapsed = TimeSpan.Zero;
                double seconds = Stopwatches.Time(() => core.Train(batch, stopRequested: false));
                if (i >= warmUps) results(new[] { seconds, collective.Elapsed.TotalSeconds });
            }
            return 0;
        });
    }

    /// <summary>Adds up the time spent inside the trainer's collective calls.</summary>
    private sealed class TimedCollective(ICollective inner) : ICollective
    {
        public TimeSpan Elapsed { get; set; }
        public int Rank => inner.Rank;
        public int WorldSize => inner.WorldSize;
        public float[] AllGather(float[] local, CollectiveTag tag) => Timed(() => inner.AllGather(local, tag));
        public void AllReduceSum(float[] buffer, CollectiveTag tag) => Timed(() => { inner.AllReduceSum(buffer, tag); return 0; });
        public float[] ReduceScatterSum(float[] buffer, int[] counts, CollectiveTag tag) => Timed(() => inner.ReduceScatterSum(buffer, counts, tag));
        public void Barrier(CollectiveTag tag) => Timed(() => { inner.Barrier(tag); return 0; });
        public void Abort(string reason) => inner.Abort(reason);

        private T Timed<T>(Func<T> call)
        {
            var clock = Stopwatch.StartNew();
            try { return call(); }
            finally { Elapsed += clock.Elapsed; }
        }
    }
}
