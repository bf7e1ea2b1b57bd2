using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace TinyClip.Model.Evaluation;

/// <summary>
/// Image-text retrieval recall@1/5/10 for N pairs (image i belongs to text i). Embeddings are
/// L2-normalised here, so scores are cosine similarities. Recall@K = fraction of queries whose own
/// pair has rank &lt; K, ranks counted pessimistically (every other candidate with an equal score
/// ranks ahead; see <see cref="PessimisticRank"/>). With N &lt;= K every query is a hit.
/// The N x N similarities are never held at once: queries are ranked a chunk at a time (<see cref="QueryChunks"/>).
/// </summary>
public static class RetrievalMetrics
{
    public static RetrievalResult Compute(Tensor imageEmbeddings, Tensor textEmbeddings)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        if (imageEmbeddings.dim() != 2 || textEmbeddings.dim() != 2 || imageEmbeddings.shape[0] != textEmbeddings.shape[0])
            throw new ArgumentException("need N x d image and N x d text embeddings with the same N.");
        var count = imageEmbeddings.shape[0];

        var images = normalize(imageEmbeddings, p: 2.0, dim: -1);
        var texts = normalize(textEmbeddings, p: 2.0, dim: -1);
        var (i2t1, i2t5, i2t10) = Recalls(images, texts);
        var (t2i1, t2i5, t2i10) = Recalls(texts, images);
        return new RetrievalResult(i2t1, i2t5, i2t10, t2i1, t2i5, t2i10, count);
    }

    /// <summary>
    /// Recall@1/5/10 of the queries (query i's pair is candidate i), ranked a chunk at a time. Only hit counts outlive a
    /// chunk: small tensors kept between chunks' large ones fragment the native heap (a run kept 1 GB resident for
    /// 14,300 pairs that way).
    /// </summary>
    private static (double R1, double R5, double R10) Recalls(Tensor queries, Tensor candidates)
    {
        long hits1 = 0, hits5 = 0, hits10 = 0;
        foreach (var (start, rows) in QueryChunks.Of(queries.shape[0], candidates.shape[0]))
        {
            using var chunkScope = NewDisposeScope();
            var scores = queries.narrow(0, start, rows).matmul(candidates.t());
            var rank = PessimisticRank.Of(scores, HeldScalarArithmetic.Int64Range(start, start + rows, scores.device));
            hits1 += PessimisticRank.Hits(rank, 1);
            hits5 += PessimisticRank.Hits(rank, 5);
            hits10 += PessimisticRank.Hits(rank, 10);
        }
        double count = queries.shape[0];
        return (hits1 / count, hits5 / count, hits10 / count);
    }
}
