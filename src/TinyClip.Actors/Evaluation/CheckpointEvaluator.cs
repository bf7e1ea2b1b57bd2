using TinyClip.Data.Text;
using TinyClip.Model;
using TinyClip.Model.Evaluation;
using static TorchSharp.torch;

namespace TinyClip.Actors.Evaluation;

/// <summary>
/// Retrieval recall@1/5/10 both ways and the contrastive validation loss of one model on an <see cref="EvaluationSource"/>
/// of image-text pairs, plus zero-shot top-1/top-5 and mean per-class recall when the source has classes and labels
/// (a set of labelled images without captions gives zero-shot only). The set is streamed: decoded and encoded batch by
/// batch, only its embeddings and labels kept.
/// </summary>
public static class CheckpointEvaluator
{
    /// <param name="readAheadBatches">Batches decoded ahead of the one being encoded.</param>
    /// <param name="compactHeapEveryBatches">Batches between compactions of the managed heap (<see cref="HeapCompaction"/>); 0 = never.</param>
    public static Dictionary<string, double> Evaluate(ClipModel model, EvaluationSource source, ICaptionTokenizer tokenizer, int batchSize,
        int readAheadBatches, int compactHeapEveryBatches, EvaluationProgressMeter? progress = null, CancellationToken cancellationToken = default)
    {
        var compaction = new HeapCompaction(compactHeapEveryBatches);
        var batches = source.ReadAsync(model.Config.Vision.ImageSize, model.Config.Text.ContextLength, batchSize, cancellationToken);
        using var set = SetEncoder.Encode(model, ReadAhead.Of(batches, readAheadBatches, cancellationToken), batch =>
        {
            source.Recycle(batch);
            progress?.Add(batch.Count);
            compaction.BatchEvaluated();
        });
        progress?.Finish();
        return Metrics(model, set, source.Prompts, tokenizer, batchSize);
    }

    /// <summary>
    /// The metrics of an encoded set: samples; with text, i2t_r1/5/10, t2i_r1/5/10 and val_loss; with prompts and labels,
    /// zero_shot_top1/5 and zero_shot_mean_per_class_recall (the class vectors are built once, from every prompt encoded
    /// <paramref name="batchSize"/> at a time).
    /// </summary>
    public static Dictionary<string, double> Metrics(ClipModel model, EncodedSet set, ZeroShotPrompts? prompts, ICaptionTokenizer tokenizer, int batchSize)
    {
        using var scope = NewDisposeScope();
        var metrics = new Dictionary<string, double> { ["samples"] = set.Count };
        if (set.Text is not null)
        {
            var retrieval = RetrievalMetrics.Compute(set.Image, set.Text);
            metrics["i2t_r1"] = retrieval.ImageToTextR1;
            metrics["i2t_r5"] = retrieval.ImageToTextR5;
            metrics["i2t_r10"] = retrieval.ImageToTextR10;
            metrics["t2i_r1"] = retrieval.TextToImageR1;
            metrics["t2i_r5"] = retrieval.TextToImageR5;
            metrics["t2i_r10"] = retrieval.TextToImageR10;
            metrics["val_loss"] = ContrastiveValidationLoss.Compute(set.Image, set.Text, Math.Exp(model.LogitScale.item<float>()));
        }
        if (prompts is not null && set.Labels is not null)
        {
            int contextLength = model.Config.Text.ContextLength;
            using var classifier = ZeroShotClassifier.Build(texts => PromptEncoder.Encode(model, tokenizer, texts, contextLength, batchSize),
                prompts.Classes, prompts.Templates);
            var zeroShot = classifier.Evaluate(set.Image, set.Labels.Select(l => (long)l).ToList());
            metrics["zero_shot_top1"] = zeroShot.Top1;
            metrics["zero_shot_top5"] = zeroShot.Top5;
            metrics["zero_shot_mean_per_class_recall"] = zeroShot.MeanPerClassRecall;
        }
        return metrics;
    }
}
