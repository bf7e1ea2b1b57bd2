namespace TinyClip.Benchmarks.Harness;

/// <summary>What the command line asked for.</summary>
/// <param name="Quick">Small sizes and few repeats: everything in a few minutes, for checking the program, not for reporting.</param>
/// <param name="Repeats">Timed repeats of each measurement (warm-up runs come on top).</param>
/// <param name="Only">Benchmark names to run; empty = all.</param>
/// <param name="Device">The libtorch device of the checkpoint benchmark's trainer ("cpu", or "cuda:N" in a build with
/// <c>-p:TorchBackend=cuda</c>); the other benchmarks train on the CPU.</param>
public sealed record BenchOptions(bool Quick, int Repeats, string OutputPath, IReadOnlyList<string> Only, string CommandLine, string Device = "cpu")
{
    public const string Usage =
        "usage: dotnet run -c Release --project tests/TinyClip.Benchmarks -- [--quick] [--repeats N] [--out FILE] [--only NAME,...] [--device cpu|cuda:N]";

    public static BenchOptions Parse(string[] args, string repositoryRoot)
    {
        bool quick = false;
        int? repeats = null;
        string output = Path.Combine(repositoryRoot, "BENCHMARKS.md");
        var only = new List<string>();
        string device = "cpu";
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value\n{Usage}");
            switch (args[i])
            {
                case "--quick": quick = true; break;
                case "--repeats": repeats = int.Parse(Value()); break;
                case "--out": output = Path.GetFullPath(Value()); break;
                case "--device": device = Value(); break;
                case "--only": only.AddRange(Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)); break;
                default: throw new ArgumentException($"unknown argument '{args[i]}'\n{Usage}");
            }
        }
        int n = repeats ?? (quick ? 3 : 7);
        if (n < 1) throw new ArgumentException("--repeats must be at least 1");
        var command = "dotnet run -c Release --project tests/TinyClip.Benchmarks --" + (args.Length > 0 ? " " + string.Join(' ', args) : "");
        return new BenchOptions(quick, n, output, only, command, device);
    }

    /// <summary>Picks the quick-mode or full-mode value of a size.</summary>
    public T Pick<T>(T quick, T full) => Quick ? quick : full;
}
