using System.Text.Json;

namespace TinyClip.Integration.Tests;

/// <summary>One line of samples-rank&lt;k&gt;.jsonl (tinyclip.training.sample-log): the sample ids one trainer stepped on,
/// and digests of the weights it entered the step with and of the bytes it trained on.</summary>
public sealed record SampleLogLine(string Stage, long Step, int Generation, int Rank, int Epoch, long[] Samples, string Weights, string Inputs);

/// <summary>
/// What the trainers effectively trained on, read from the per-rank sample logs. A resumed step is logged again, and
/// only its last occurrence in the newest generation counts: earlier ones belong to attempts whose weights were thrown
/// away. Across generations the number of trainers (and so which rank holds which rows) may change.
/// </summary>
public static class SampleLog
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    public static SampleLogLine Parse(string line) => JsonSerializer.Deserialize<SampleLogLine>(line, Json)!;

    /// <summary>Every line of a run's sample logs, in the order each rank wrote them.</summary>
    public static IEnumerable<SampleLogLine> Lines(string runDirectory) =>
        Directory.GetFiles(runDirectory, "samples-rank*.jsonl").SelectMany(File.ReadLines).Where(line => line.Length > 0).Select(Parse);

    /// <summary>Per stage, per step: the epoch and the global batch (rank 0's slice, then rank 1's, ...).</summary>
    public static Dictionary<string, SortedDictionary<long, (int Epoch, long[] Samples)>> EffectiveHistory(string runDirectory)
    {
        var lines = Lines(runDirectory).ToList();
        var history = new Dictionary<string, SortedDictionary<long, (int Epoch, long[] Samples)>>();
        foreach (var step in lines.GroupBy(l => (l.Stage, l.Step)))
        {
            int newest = step.Max(l => l.Generation);
            var slices = step.Where(l => l.Generation == newest).GroupBy(l => l.Rank).OrderBy(g => g.Key).Select(g => g.Last()).ToList();
            Assert.True(slices.Select(s => s.Rank).SequenceEqual(Enumerable.Range(0, slices.Count)),
                $"{step.Key.Stage} step {step.Key.Step}: ranks {string.Join(",", slices.Select(s => s.Rank))} logged it in generation {newest}");
            Assert.True(slices.All(s => s.Epoch == slices[0].Epoch), $"{step.Key.Stage} step {step.Key.Step}: ranks disagree on the epoch");
            // Data-parallel replicas: every rank enters a step with the same weights.
            Assert.True(slices.All(s => s.Weights == slices[0].Weights),
                $"{step.Key.Stage} step {step.Key.Step}: ranks entered with other weights: {string.Join(", ", slices.Select(s => s.Weights))}");
            var steps = history.TryGetValue(step.Key.Stage, out var known) ? known : history[step.Key.Stage] = new();
            steps[step.Key.Step] = (slices[0].Epoch, slices.SelectMany(s => s.Samples).ToArray());
        }
        return history;
    }

    /// <summary>
    /// Steps 1..<paramref name="steps"/> each trained once; within an epoch no sample twice, so an epoch whose batches
    /// were all trained covered every sample those batches can hold (all rows, when the batch size divides them).
    /// </summary>
    public static void AssertExactlyOnce(string stage, SortedDictionary<long, (int Epoch, long[] Samples)> history, long steps, int trainRows, int batchSize)
    {
        Assert.Equal(Enumerable.Range(1, (int)steps).Select(s => (long)s), history.Keys);
        Assert.All(history, kv => Assert.True(kv.Value.Samples.Length == batchSize, $"{stage} step {kv.Key}: {kv.Value.Samples.Length} samples"));
        int batchesPerEpoch = trainRows / batchSize;
        foreach (var epoch in history.Values.GroupBy(b => b.Epoch))
        {
            var ids = epoch.SelectMany(b => b.Samples).ToList();
            var repeated = ids.GroupBy(id => id).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
            Assert.True(repeated.Count == 0, $"{stage} epoch {epoch.Key}: samples trained twice: {string.Join(", ", repeated)}");
            Assert.All(ids, id => Assert.InRange(id, 0, trainRows - 1));
            if (epoch.Count() == batchesPerEpoch) Assert.Equal(batchesPerEpoch * batchSize, ids.Count);
        }
    }
}
