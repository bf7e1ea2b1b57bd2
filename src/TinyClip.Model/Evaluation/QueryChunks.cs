namespace TinyClip.Model.Evaluation;

/// <summary>
/// How a whole set's query x candidate scores are visited without holding them at once: queries in chunks of rows
/// whose scores total at most <see cref="ScoresPerChunk"/> (4 MB of floats: 50,000 candidates make chunks of 20 queries,
/// instead of a 10 GB matrix). A chunk also stays below glibc's largest mmap threshold (32 MB), so its buffers are
/// reused rather than mapped and faulted in afresh for every chunk.
/// </summary>
public static class QueryChunks
{
    public const long ScoresPerChunk = 1 << 20;

    /// <returns>(first query, number of queries) of each chunk, in order.</returns>
    public static IEnumerable<(long Start, long Count)> Of(long queries, long candidates)
    {
        long rows = Math.Max(1, ScoresPerChunk / Math.Max(1, candidates));
        for (long start = 0; start < queries; start += rows) yield return (start, Math.Min(rows, queries - start));
    }
}
