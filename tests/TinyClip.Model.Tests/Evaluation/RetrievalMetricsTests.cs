using TinyClip.Model.Evaluation;
using static TorchSharp.torch;

namespace TinyClip.Model.Tests.Evaluation;

public class RetrievalMetricsTests
{
    [Fact]
    public void RecallFromADesignedRankMatrix()
    {
        using var scope = NewDisposeScope();
        // 12 pairs. Off the diagonal M[i,j] = 0.2 - 0.01 * ((j - i) mod 12): every row and every column
        // holds the values 0.19, 0.18, ..., 0.09 once. The diagonal M[i,i] = 0.2 - 0.01 * r_i - 0.005 sits
        // just below exactly r_i of them, so pair i has rank r_i both as image query and as text query.
        var ranks = new[] { 0, 0, 0, 1, 2, 4, 5, 9, 10, 11, 0, 3 };
        const int n = 12;
        var scores = new double[n, n];
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
                scores[i, j] = i == j ? 0.2 - 0.01 * ranks[i] - 0.005 : 0.2 - 0.01 * (((j - i) % n + n) % n);

        var (images, texts) = EmbeddingsWithScores(scores);
        var result = RetrievalMetrics.Compute(images, texts);

        // rank 0: pairs 0, 1, 2, 10 -> 4/12; rank < 5: also 3, 4, 5, 11 -> 8/12; rank < 10: all but 10, 11 -> 10/12.
        Assert.Equal(4.0 / 12, result.ImageToTextR1, 12);
        Assert.Equal(8.0 / 12, result.ImageToTextR5, 12);
        Assert.Equal(10.0 / 12, result.ImageToTextR10, 12);
        Assert.Equal(4.0 / 12, result.TextToImageR1, 12);
        Assert.Equal(8.0 / 12, result.TextToImageR5, 12);
        Assert.Equal(10.0 / 12, result.TextToImageR10, 12);
        Assert.Equal(12, result.Count);
    }

    [Fact]
    public void DirectionsAreNotConfused()
    {
        using var scope = NewDisposeScope();
        // Rows are image queries, columns text queries.
        // image 0: [0.25, 0.45, 0.05]  0.45 beats its pair   -> rank 1
        // image 1: [0.1, 0.3, 0.325]   0.325 beats its pair  -> rank 1
        // image 2: [0.05, 0.1, 0.35]                          -> rank 0   => image->text R@1 = 1/3
        // text 0:  [0.25, 0.1, 0.05]                          -> rank 0
        // text 1:  [0.45, 0.3, 0.1]    0.45 beats its pair   -> rank 1
        // text 2:  [0.05, 0.325, 0.35]                        -> rank 0   => text->image R@1 = 2/3
        var scores = new[,] { { 0.25, 0.45, 0.05 }, { 0.1, 0.3, 0.325 }, { 0.05, 0.1, 0.35 } };
        var (images, texts) = EmbeddingsWithScores(scores);

        var result = RetrievalMetrics.Compute(images, texts);

        Assert.Equal(1.0 / 3, result.ImageToTextR1, 12);
        Assert.Equal(2.0 / 3, result.TextToImageR1, 12);
        Assert.Equal(1.0, result.ImageToTextR5);
    }

    [Fact]
    public void TiesCountAgainstTheTruePair()
    {
        using var scope = NewDisposeScope();
        // All four embeddings identical: every candidate ties, so each pair has rank 3.
        var same = ones(4, 3, dtype: ScalarType.Float64);
        var result = RetrievalMetrics.Compute(same, same);
        Assert.Equal(new RetrievalResult(0, 1, 1, 0, 1, 1, 4), result);
    }

    [Fact]
    public void RankingQueriesChunkByChunkEqualsRankingTheWholeSimilarityMatrix()
    {
        using var scope = NewDisposeScope();
        // 2,500 pairs: two chunks of queries (QueryChunks), the second one short. Texts are noisy copies of their images.
        const int n = 2500;
        var generator = new TorchSharp.torch.Generator(11);
        var images = randn(n, 16, dtype: ScalarType.Float64, generator: generator);
        var texts = images + 1.5 * randn(n, 16, dtype: ScalarType.Float64, generator: generator);

        var result = RetrievalMetrics.Compute(images, texts);

        // Reference: the whole N x N matrix at once; rank = other candidates scoring at least the pair's score.
        var similarity = nn.functional.normalize(images, p: 2.0, dim: -1).matmul(nn.functional.normalize(texts, p: 2.0, dim: -1).t());
        double Recall(Tensor scores, int k) => (scores.ge(scores.diagonal().unsqueeze(1)).sum(1) - 1).lt(k).to(ScalarType.Float64).mean().item<double>();
        var expected = new RetrievalResult(Recall(similarity, 1), Recall(similarity, 5), Recall(similarity, 10),
            Recall(similarity.t(), 1), Recall(similarity.t(), 5), Recall(similarity.t(), 10), n);
        Assert.Equal(expected, result);
        Assert.InRange(result.ImageToTextR1, 0.05, 0.95); // neither trivial nor hopeless, so ranks are really compared
    }

    // Images are basis vectors e_i in N+1 dims; text j is column j of the scores plus a last component
    // that makes it unit length. Then cosine(image i, text j) = scores[i, j] exactly.
    private static (Tensor Images, Tensor Texts) EmbeddingsWithScores(double[,] scores)
    {
        var n = scores.GetLength(0);
        var images = cat(new[] { eye(n, dtype: ScalarType.Float64), zeros(n, 1, dtype: ScalarType.Float64) }, 1);
        var texts = new double[n * (n + 1)];
        for (var j = 0; j < n; j++)
        {
            var squares = 0.0;
            for (var i = 0; i < n; i++)
            {
                texts[j * (n + 1) + i] = scores[i, j];
                squares += scores[i, j] * scores[i, j];
            }
            texts[j * (n + 1) + n] = Math.Sqrt(1 - squares);
        }
        return (images, tensor(texts, new long[] { n, n + 1 }));
    }
}
