using System.Text.Json;

namespace TinyClip.Integration.Tests;

/// <summary>One line of samples-rank&lt;k&gt;.jsonl (tinyclip.training.sample-log): the sample ids one trainer stepped on.</summary>
public sealed record SampleLogLine(string Stage, long Step, int Epoch, long[] Samples);

/// <summary>
/// What the trainers effectively trained on, read from the per-rank sample logs. A resumed step is logged again, and
/// only its last occurrence counts: the earlier one belongs to an attempt whose weights were thrown away.
/// </summary>
public static class SampleLog
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    public static SampleLogLine Parse(string line) => JsonSerializer.Deserialize<SampleLogLine>(line, Json)!;

    /// <summary>Per stage, per step: the epoch and the global batch (rank 0's slice, then rank 1's, ...).</summary>
    public static Dictionary<string, SortedDictionary<long, (int Epoch, long[] Samples)>> EffectiveHistory(string runDirectory, int ranks)
    {
        var history = new Dictionary<string, SortedDictionary<long, (int Epoch, long[] Samples)>>();
        for (var rank = 0; rank < ranks; rank++)
        {
            var last = new Dictionary<(string Stage, long Step), SampleLogLine>();
            foreach (var line in File.ReadLines(Path.Combine(runDirectory, $"samples-rank{rank}.jsonl")))
            {
                var entry = Parse(line);
                last[(entry.Stage, entry.Step)] = entry;
            }
            foreach (var ((stage, step), entry) in last)
            {
                var steps = history.TryGetValue(stage, out var s) ? s : history[stage] = new();
                if (rank == 0)
                {
                    steps[step] = (entry.Epoch, entry.Samples);
                    continue;
                }
                Assert.True(steps.TryGetValue(step, out var batch), $"{stage} step {step}: rank {rank} logged it, rank 0 did not");
                Assert.True(batch.Epoch == entry.Epoch, $"{stage} step {step}: ranks disagree on the epoch");
                steps[step] = (batch.Epoch, [.. batch.Samples, .. entry.Samples]);
            }
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
