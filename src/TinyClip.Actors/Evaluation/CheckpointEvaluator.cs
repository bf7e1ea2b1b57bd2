using TinyClip.Actors.Training;
using TinyClip.Data.Text;
using TinyClip.Model;
using TinyClip.Model.Evaluation;
using TinyClip.Model.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace TinyClip.Actors.Evaluation;

/// <summary>Zero-shot top-1/top-5 (when the set has labels) and retrieval recall@1/5/10 of one model on an <see cref="EvaluationSet"/>.</summary>
public static class CheckpointEvaluator
{
    public static Dictionary<string, double> Evaluate(ClipModel model, EvaluationSet set, ICaptionTokenizer tokenizer, int batchSize)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        model.eval();
        var device = model.LogitScale.device;
        var imageEmbeddings = new List<Tensor>();
        var textEmbeddings = new List<Tensor>();
        for (int start = 0; start < set.Count; start += batchSize)
        {
            int count = Math.Min(batchSize, set.Count - start);
            var images = ImageInput.ToDevice(set.Images.Slice(start, count), device);
            var tokens = tensor(set.Tokens.AsSpan(start * set.ContextLength, count * set.ContextLength).ToArray(), new long[] { count, set.ContextLength })
                .to(ScalarType.Int64).to(device);
            imageEmbeddings.Add(AffinityMimickingLoss.Normalize(model.EncodeImage(images)).cpu());
            textEmbeddings.Add(AffinityMimickingLoss.Normalize(model.EncodeText(tokens)).cpu());
        }
        var image = cat(imageEmbeddings, 0);
        var text = cat(textEmbeddings, 0);
        var retrieval = RetrievalMetrics.Compute(image, text);
        var metrics = new Dictionary<string, double>
        {
            ["samples"] = set.Count,
            ["i2t_r1"] = retrieval.ImageToTextR1,
            ["i2t_r5"] = retrieval.ImageToTextR5,
            ["i2t_r10"] = retrieval.ImageToTextR10,
            ["t2i_r1"] = retrieval.TextToImageR1,
            ["t2i_r5"] = retrieval.TextToImageR5,
            ["t2i_r10"] = retrieval.TextToImageR10,
        };
        if (set.Labels is not null)
        {
            using var classifier = ZeroShotClassifier.Build(prompts => EncodePrompts(model, tokenizer, prompts, set.ContextLength, device).cpu(),
                set.Classes, set.Templates);
            var zeroShot = classifier.Evaluate(image, set.Labels.Select(l => (long)l).ToList());
            metrics["zero_shot_top1"] = zeroShot.Top1;
            metrics["zero_shot_top5"] = zeroShot.Top5;
        }
        return metrics;
    }

    private static Tensor EncodePrompts(ClipModel model, ICaptionTokenizer tokenizer, IReadOnlyList<string> prompts, int contextLength, Device device)
    {
        var ids = prompts.SelectMany(p => tokenizer.Encode(p, contextLength)).ToArray();
        var tokens = tensor(ids, new long[] { prompts.Count, contextLength }).to(ScalarType.Int64).to(device);
        return model.EncodeText(tokens);
    }
}
