using TinyClip.Model.Evaluation;

namespace TinyClip.Model.Tests.Evaluation;

public class QueryChunksTests
{
    [Theory]
    [InlineData(2500, 2500)]
    [InlineData(50_000, 50_000)]
    [InlineData(7, 10_000_000)]
    [InlineData(3, 3)]
    public void Chunks_cover_every_query_once_in_order_within_the_score_budget(long queries, long candidates)
    {
        var chunks = QueryChunks.Of(queries, candidates).ToList();

        Assert.Equal(0, chunks[0].Start);
        Assert.All(chunks.Zip(chunks.Skip(1)), pair => Assert.Equal(pair.First.Start + pair.First.Count, pair.Second.Start));
        Assert.Equal(queries, chunks[^1].Start + chunks[^1].Count);
        // One query's scores may exceed the budget on their own (10 million candidates); otherwise chunks stay within it.
        Assert.All(chunks, c => Assert.True(c.Count == 1 || c.Count * candidates <= QueryChunks.ScoresPerChunk));
    }
}
