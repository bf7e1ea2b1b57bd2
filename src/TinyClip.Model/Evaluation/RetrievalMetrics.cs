using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace TinyClip.Model.Evaluation;

/// <summary>
/// Image-text retrieval recall@1/5/10 for N pairs (image i belongs to text i). Embeddings are
/// L2-normalised here, so scores are cosine similarities. Recall@K = fraction of queries whose own
/// pair has rank &lt; K, ranks counted pessimistically (every other candidate with an equal score
/// ranks ahead; see <see cref="PessimisticRank"/>). With N &lt;= K every query is a hit.
/// The N x N similarities are never held at once: queries are ranked <see cref="QueriesPerChunk"/> at a time, so
/// 50,000 pairs need a 1,024 x 50,000 block (200 MB of floats) instead of 10 GB.
/// </summary>
public static class RetrievalMetrics
{
    public const long QueriesPerChunk = 1024;

    public static RetrievalResult Compute(Tensor imageEmbeddings, Tensor textEmbeddings)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        if (imageEmbeddings.dim() != 2 || textEmbeddings.dim() != 2 || imageEmbeddings.shape[0] != textEmbeddings.shape[0])
            throw new ArgumentException("need N x d image and N x d text embeddings with the same N.");
        var count = imageEmbeddings.shape[0];

        var images = normalize(imageEmbeddings, p: 2.0, dim: -1);
        var texts = normalize(textEmbeddings, p: 2.0, dim: -1);
        var imageToText = Ranks(images, texts);
        var textToImage = Ranks(texts, images);

        return new RetrievalResult(
            PessimisticRank.HitRate(imageToText, 1), PessimisticRank.HitRate(imageToText, 5), PessimisticRank.HitRate(imageToText, 10),
            PessimisticRank.HitRate(textToImage, 1), PessimisticRank.HitRate(textToImage, 5), PessimisticRank.HitRate(textToImage, 10),
            count);
    }

    /// <summary>The pessimistic rank of each query's own pair (query i's pair is candidate i), a chunk of queries at a time.</summary>
    private static Tensor Ranks(Tensor queries, Tensor candidates)
    {
        using var scope = NewDisposeScope();
        var count = queries.shape[0];
        var ranks = new List<Tensor>();
        for (long start = 0; start < count; start += QueriesPerChunk)
        {
            using var chunkScope = NewDisposeScope();
            var rows = Math.Min(QueriesPerChunk, count - start);
            var scores = queries.narrow(0, start, rows).matmul(candidates.t());
            var pairs = arange(start, start + rows, dtype: ScalarType.Int64, device: scores.device);
            ranks.Add(PessimisticRank.Of(scores, pairs).MoveToOuterDisposeScope());
        }
        return cat(ranks, 0).MoveToOuterDisposeScope();
    }
}
