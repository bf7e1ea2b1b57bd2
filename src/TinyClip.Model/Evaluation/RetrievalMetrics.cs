using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace TinyClip.Model.Evaluation;

/// <summary>
/// Image-text retrieval recall@1/5/10 for N pairs (image i belongs to text i). Embeddings are
/// L2-normalised here, so scores are cosine similarities. Recall@K = fraction of queries whose own
/// pair has rank &lt; K, ranks counted pessimistically (every other candidate with an equal score
/// ranks ahead; see <see cref="PessimisticRank"/>). With N &lt;= K every query is a hit.
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
        var similarity = images.matmul(texts.t());
        var pairs = arange(count, dtype: ScalarType.Int64, device: similarity.device);
        var imageToText = PessimisticRank.Of(similarity, pairs);
        var textToImage = PessimisticRank.Of(similarity.t(), pairs);

        return new RetrievalResult(
            PessimisticRank.HitRate(imageToText, 1), PessimisticRank.HitRate(imageToText, 5), PessimisticRank.HitRate(imageToText, 10),
            PessimisticRank.HitRate(textToImage, 1), PessimisticRank.HitRate(textToImage, 5), PessimisticRank.HitRate(textToImage, 10),
            count);
    }
}
