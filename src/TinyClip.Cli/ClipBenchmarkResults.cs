using System.Text.Json.Nodes;
using TinyClip.Configuration;

namespace TinyClip.Cli;

/// <summary>
/// <c>tinyclip eval --json</c>'s results in the form CLIP_benchmark writes (one object per task, the form its
/// <c>build</c> step collects into a table): <c>dataset</c>, <c>model</c>, <c>pretrained</c>, <c>task</c>, <c>metrics</c>,
/// <c>language</c>; the metrics of <c>zeroshot_classification</c> are <c>acc1</c>, <c>acc5</c> and
/// <c>mean_per_class_recall</c>, those of <c>zeroshot_retrieval</c> <c>image_retrieval_recall@k</c> (a caption finds its
/// image) and <c>text_retrieval_recall@k</c> (an image finds its caption), k = 1, 5, 10. CLIP_benchmark gives no top-5
/// accuracy below five classes (NaN, which strict JSON lacks): null here. What CLIP_benchmark does not report goes beside
/// the metrics: <c>samples</c>, and <c>val_loss</c> with retrieval.
/// </summary>
public static class ClipBenchmarkResults
{
    public const string Classification = "zeroshot_classification", Retrieval = "zeroshot_retrieval";

    /// <summary>The placeholder of a <c>--json</c> path that CLIP_benchmark's <c>--output</c> template also has.</summary>
    public const string TaskPlaceholder = "{task}";

    /// <summary>The tasks an evaluation measures: retrieval on image-text pairs, classification with class names and labels.</summary>
    public static IReadOnlyList<string> Tasks(bool pairs, bool classification) =>
        [.. classification ? [Classification] : Array.Empty<string>(), .. pairs ? [Retrieval] : Array.Empty<string>()];

    /// <summary>The file each task's result goes to: <paramref name="path"/> with {task} replaced.</summary>
    /// <exception cref="InvalidSettingException">Two tasks and no {task} in the path: CLIP_benchmark keeps one result a file.</exception>
    public static IReadOnlyDictionary<string, string> Files(string path, IReadOnlyList<string> tasks)
    {
        if (tasks.Count > 1 && !path.Contains(TaskPlaceholder, StringComparison.Ordinal))
            throw new InvalidSettingException("--json", $"this evaluation measures {string.Join(" and ", tasks)}, and CLIP_benchmark keeps one task a file: " +
                $"put {TaskPlaceholder} in the file name (e.g. results_{TaskPlaceholder}.json)");
        return tasks.ToDictionary(task => task, task => path.Replace(TaskPlaceholder, task, StringComparison.Ordinal));
    }

    /// <param name="metrics">The metrics of <c>CheckpointEvaluator</c>.</param>
    /// <param name="classes">The number of class names (classification).</param>
    public static JsonObject Result(string task, IReadOnlyDictionary<string, double> metrics, string dataset, string model, string pretrained, int classes)
    {
        var result = new JsonObject
        {
            ["dataset"] = dataset,
            ["model"] = model,
            ["pretrained"] = pretrained,
            ["task"] = task,
            ["metrics"] = task == Classification ? ClassificationMetrics(metrics, classes) : RetrievalMetrics(metrics),
            ["language"] = "en",
            ["samples"] = (long)metrics["samples"],
        };
        if (task == Retrieval) result["val_loss"] = metrics["val_loss"];
        return result;
    }

    private static JsonObject ClassificationMetrics(IReadOnlyDictionary<string, double> metrics, int classes) => new()
    {
        ["acc1"] = metrics["zero_shot_top1"],
        ["acc5"] = classes >= 5 ? metrics["zero_shot_top5"] : null,
        ["mean_per_class_recall"] = metrics["zero_shot_mean_per_class_recall"],
    };

    private static JsonObject RetrievalMetrics(IReadOnlyDictionary<string, double> metrics)
    {
        var result = new JsonObject();
        // CLIP_benchmark's "image retrieval" ranks images for a caption (our t2i), its "text retrieval" captions for an image (i2t).
        foreach (var k in new[] { 1, 5, 10 })
        {
            result[$"image_retrieval_recall@{k}"] = metrics[$"t2i_r{k}"];
            result[$"text_retrieval_recall@{k}"] = metrics[$"i2t_r{k}"];
        }
        return result;
    }
}
