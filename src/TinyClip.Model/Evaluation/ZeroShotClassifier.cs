using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace TinyClip.Model.Evaluation;

/// <summary>
/// Zero-shot classification head (docs/training.md): one unit vector per class, the renormalised mean
/// of the normalised text embeddings of the class name in every prompt template; logits =
/// 100 * normalised image @ classes^T. Top-k counts an image correct when its class has pessimistic rank
/// &lt; k (ties count against it); with fewer than k classes every image is within top-k. The mean per-class recall
/// averages the top-1 accuracy of each class that has images.
/// </summary>
public sealed class ZeroShotClassifier : IDisposable
{
    /// <summary>CLIP's fixed evaluation logit scale.</summary>
    public const double LogitScale = 100.0;

    private readonly Tensor _classVectors;

    private ZeroShotClassifier(Tensor classVectors, IReadOnlyList<string> classNames)
    {
        _classVectors = classVectors;
        ClassNames = classNames;
    }

    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>A copy of the class vectors (classes x embed), each of unit length.</summary>
    public Tensor ClassVectors => _classVectors.clone();

    /// <summary>
    /// Builds the class vectors. <paramref name="encodeTexts"/> turns prompts into text embeddings
    /// (prompts x embed; normalised or not); it is called once with every prompt, class by class (class 0 with each
    /// template, then class 1, ...), so that it can encode them in batches of its choosing.
    /// A template names the class with <c>{}</c> or <c>{c}</c>, e.g. "a photo of a {}.".
    /// </summary>
    public static ZeroShotClassifier Build(
        Func<IReadOnlyList<string>, Tensor> encodeTexts, IReadOnlyList<string> classNames, IReadOnlyList<string> templates)
    {
        if (classNames.Count == 0 || templates.Count == 0)
            throw new ArgumentException("need at least one class name and one template.");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var prompts = classNames.SelectMany(name => templates.Select(template => FillTemplate(template, name))).ToList();
        var embeddings = Normalize(encodeTexts(prompts));
        var perClass = embeddings.reshape(classNames.Count, templates.Count, embeddings.shape[^1]);
        // The classifier owns its vectors beyond any caller's dispose scope; Dispose releases them.
        var classVectors = Normalize(perClass.mean(new long[] { 1 })).DetachFromDisposeScope();
        return new ZeroShotClassifier(classVectors, classNames.ToList());
    }

    /// <summary>The prompt for one class: both <c>{}</c> and <c>{c}</c> are replaced by the class name.</summary>
    public static string FillTemplate(string template, string className)
    {
        if (!template.Contains("{}") && !template.Contains("{c}"))
            throw new ArgumentException($"template \"{template}\" has no {{}} or {{c}} placeholder for the class name.");
        return template.Replace("{c}", className).Replace("{}", className);
    }

    private static Tensor Normalize(Tensor embeddings) => normalize(embeddings, p: 2.0, dim: -1);

    /// <summary>100 * normalised image embeddings @ class vectors^T (images x classes).</summary>
    public Tensor Logits(Tensor imageEmbeddings)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var images = Normalize(imageEmbeddings).to(_classVectors.dtype);
        return images.matmul(_classVectors.t()).Times(LogitScale).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Top-1 and top-5 accuracy and the mean per-class recall of <paramref name="imageEmbeddings"/> (images x embed) with class
    /// indices <paramref name="labels"/>. Images are scored a chunk at a time (<see cref="QueryChunks"/>): 50,000 images x 1,000
    /// classes would be 200 MB of logits at once.
    /// </summary>
    public ZeroShotResult Evaluate(Tensor imageEmbeddings, IReadOnlyList<long> labels)
    {
        if (imageEmbeddings.shape[0] != labels.Count)
            throw new ArgumentException($"{imageEmbeddings.shape[0]} images but {labels.Count} labels.");
        if (labels.Any(label => label < 0 || label >= ClassNames.Count))
            throw new ArgumentOutOfRangeException(nameof(labels), $"labels must be class indices in [0, {ClassNames.Count}).");
        var hitsPerClass = new long[ClassNames.Count];
        var imagesPerClass = new long[ClassNames.Count];
        long hits1 = 0, hits5 = 0;
        foreach (var (start, rows) in QueryChunks.Of(labels.Count, ClassNames.Count))
        {
            using var chunkScope = NewDisposeScope();
            var chunkLabels = new long[rows];
            for (var i = 0; i < rows; i++) chunkLabels[i] = labels[(int)start + i];
            var logits = Logits(imageEmbeddings.narrow(0, start, rows));
            var ranks = PessimisticRank.Of(logits, tensor(chunkLabels, device: logits.device)).cpu().data<long>().ToArray();
            for (var i = 0; i < rows; i++)
            {
                imagesPerClass[chunkLabels[i]]++;
                if (ranks[i] < 5) hits5++;
                if (ranks[i] >= 1) continue;
                hits1++;
                hitsPerClass[chunkLabels[i]]++;
            }
        }
        // Classes without an image have no recall and are left out of the mean (scikit-learn's balanced accuracy, which CLIP_benchmark reports).
        var recalls = Enumerable.Range(0, ClassNames.Count).Where(c => imagesPerClass[c] > 0).Select(c => (double)hitsPerClass[c] / imagesPerClass[c]);
        double count = labels.Count;
        return new ZeroShotResult(hits1 / count, hits5 / count, recalls.Average(), labels.Count);
    }

    public void Dispose() => _classVectors.Dispose();
}
