namespace TinyClip.Benchmarks.Harness;

/// <summary>One benchmark: it measures its subject and a baseline side by side in the same run and reports the ratio.</summary>
public interface IBenchmark
{
    /// <summary>The name --only selects it by.</summary>
    string Name { get; }

    Task<BenchmarkSection> RunAsync(BenchOptions options, CancellationToken cancellationToken);
}
