using System.Diagnostics;
using TinyClip.Benchmarks.Benchmarks;
using TinyClip.Benchmarks.Harness;

namespace TinyClip.Benchmarks;

/// <summary>
/// Measures the project against baselines taken in the same run and writes BENCHMARKS.md.
/// <c>dotnet run -c Release --project tests/TinyClip.Benchmarks -- [--quick] [--repeats N] [--out FILE] [--only NAME,...]</c>
/// </summary>
public static class Program
{
    private static readonly IBenchmark[] All =
    {
        new StepTimeBenchmark(),
        new DecodeThroughputBenchmark(),
        new StreamThroughputBenchmark(),
        new StreamingMemoryBenchmark(),
        new CollectivesBenchmark(),
        new ScalingBenchmark(),
        new PipelineEfficiencyBenchmark(),
        new RecoveryBenchmark(),
        new PageCheckBenchmark(),
        new ManifestBenchmark(),
        new DataPlaneBenchmark(),
        new LargeBatchBenchmark(),
        new EvaluationBenchmark(),
        new CheckpointCadenceBenchmark(),
        new GradientOverlapBenchmark(),
        new RemoteStreamBenchmark(),
    };

    public static async Task<int> Main(string[] args)
    {
        // Hidden: the streaming-memory benchmark measures in a child process of its own, so peak RSS is clean.
        if (args.Length > 0 && args[0] == StreamingMemoryBenchmark.ChildCommand)
            return await StreamingMemoryBenchmark.RunChildAsync(args[1..]);
        if (args.Length > 0 && args[0] == EvaluationBenchmark.ChildCommand)
            return await EvaluationBenchmark.RunChildAsync(args[1..]);
        if (args.Length > 0 && args[0] == LargeBatchBenchmark.ChildCommand)
            return LargeBatchBenchmark.RunChild(args[1..]);
        // Hidden: one node (process) of a multi-process job: the cross-process all-reduce or the scaling benchmark.
        if (args.Length > 0 && args[0] == CollectiveNodes.NodeCommand)
            return CollectiveNodes.RunNode(args[1..], job => job switch
            {
                CrossProcessAllReduce.JobName => CrossProcessAllReduce.Run,
                ScalingBenchmark.JobName => ScalingBenchmark.RunNode,
                _ => throw new ArgumentException($"unknown collective job '{job}'"),
            });

        var root = RepositoryRoot.Find();
        BenchOptions options;
        try { options = BenchOptions.Parse(args, root); }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }
        var unknown = options.Only.Where(n => All.All(b => !b.Name.Equals(n, StringComparison.OrdinalIgnoreCase))).ToList();
        if (unknown.Count > 0)
        {
            Console.Error.WriteLine($"unknown benchmark(s) {string.Join(", ", unknown)}; known: {string.Join(", ", All.Select(b => b.Name))}");
            return 2;
        }
        var selected = All.Where(b => options.Only.Count == 0 || options.Only.Contains(b.Name, StringComparer.OrdinalIgnoreCase)).ToList();

        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
        var loadAtStart = (MachineInfo.LoadAverage(), MachineInfo.OneMinuteLoad());
        var sections = new List<BenchmarkSection>();
        var total = Stopwatch.StartNew();
        foreach (var benchmark in selected)
        {
            Console.WriteLine($"[{total.Elapsed:mm\\:ss}] {benchmark.Name} ...");
            try
            {
                sections.Add(await benchmark.RunAsync(options, cancel.Token));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // One broken benchmark must not cost the others' figures; the file says what failed.
                Console.Error.WriteLine($"{benchmark.Name} failed: {e}");
                sections.Add(new BenchmarkSection(benchmark.Name, "failed in this run.").Note($"Error: `{e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}`"));
            }
        }
        ReportWriter.Write(options, sections, total.Elapsed, loadAtStart);
        Console.WriteLine($"[{total.Elapsed:mm\\:ss}] wrote {options.OutputPath}");
        return 0;
    }
}
