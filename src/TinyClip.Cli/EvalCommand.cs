using System.CommandLine;
using System.Text;
using System.Text.Json;
using TinyClip.Actors.Configuration;
using TinyClip.Actors.Evaluation;
using TinyClip.Configuration;
using TinyClip.Data.Quarantine;
using TinyClip.Data.Settings;
using TinyClip.Data.Text;
using TinyClip.Model;
using TorchSharp;

namespace TinyClip.Cli;

/// <summary>
/// <c>eval</c>: image-text retrieval and the contrastive validation loss of a checkpoint on Parquet pairs, and zero-shot
/// classification when class names are given and the data has labels (Parquet with a label column, with or without
/// captions, or a folder of images in class subfolders). The data is streamed (see <see cref="CheckpointEvaluator"/>);
/// progress goes to standard error, the metrics to standard output, and with <c>--json</c> CLIP_benchmark's result
/// form to a file (<see cref="ClipBenchmarkResults"/>).
/// </summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "Model checkpoint (.safetensors; .pt/.bin with --allow-pickle)", Required = true };
        var data = new Option<string[]>("--data") { Description = "Parquet files, directories or globs (repeatable): image-text pairs, labelled pairs, or labelled images without captions", AllowMultipleArgumentsPerToken = true };
        var imageFolder = new Option<string?>("--image-folder") { Description = "A folder of labelled images in class subfolders (torchvision ImageFolder: label = the subfolder's place in ordinal order), instead of --data" };
        var classes = new Option<string?>("--classes") { Description = "Class names in label order for zero-shot (the data needs labels): imagenet-1k (shipped) or a file, one per line; without: retrieval and validation loss only" };
        var templates = new Option<string?>("--templates") { Description = "Prompt templates with {} for the class name: openai-imagenet (OpenAI's 80, shipped) or a file, one per line (default: \"a photo of a {}.\"); needs --classes" };
        var tokenizer = new Option<string>("--tokenizer") { Description = "The model's CLIP BPE merges file", Required = true };
        var json = new Option<string?>("--json") { Description = "Also write CLIP_benchmark's result JSON to this file ({task} in the name: one file per task)" };
        var datasetName = new Option<string?>("--dataset-name") { Description = "The JSON's dataset (default: the name of the data's first file or folder)" };
        var modelName = new Option<string?>("--model-name") { Description = "The JSON's model (default: --arch, else the checkpoint's file name)" };
        var maxSamples = new Option<int>("--max-samples") { Description = "Evaluate the first N usable samples only (0 = all)", DefaultValueFactory = _ => 0 };
        var batchSize = new Option<int>("--batch-size") { Description = "Samples per forward pass", DefaultValueFactory = _ => EvalSettings.Reference.BatchSize };
        var arch = CheckpointModel.ArchOption();
        var config = CheckpointModel.ConfigOption();
        var allowPickle = CheckpointModel.AllowPickleOption();
        var device = new Option<string>("--device") { Description = "Where to encode: cpu or cuda:N", DefaultValueFactory = _ => EvalSettings.Reference.Device };
        var command = new Command("eval", "Retrieval recall@1/5/10, validation loss and (with --classes) zero-shot top-1/top-5 and mean per-class recall of a checkpoint")
        {
            checkpoint, data, imageFolder, classes, templates, tokenizer, json, datasetName, modelName, maxSamples, batchSize, arch, config, allowPickle, device,
        };
        command.SetAction((result, cancellationToken) => CliErrors.Report(async () =>
        {
            var request = new EvalRequest(result.GetValue(checkpoint)!, result.GetValue(data) ?? [], result.GetValue(classes),
                result.GetValue(templates), result.GetValue(tokenizer)!, result.GetValue(maxSamples), result.GetValue(batchSize), result.GetValue(allowPickle),
                CheckpointModel.DescribedHints(result.GetValue(arch), result.GetValue(config)), result.GetValue(device)!)
            {
                ImageFolder = result.GetValue(imageFolder),
                Json = result.GetValue(json),
                DatasetName = result.GetValue(datasetName),
                ModelName = result.GetValue(modelName) ?? result.GetValue(arch),
            };
            var metrics = await RunAsync(request, cancellationToken);
            Console.WriteLine(ToText(metrics, request));
            return 0;
        }));
        return command;
    }

    /// <param name="Data">Parquet inputs; empty when <see cref="ImageFolder"/> is given.</param>
    /// <param name="Classes">Null: no zero-shot.</param>
    /// <param name="Device">cpu or cuda:N.</param>
    public sealed record EvalRequest(string Checkpoint, IReadOnlyList<string> Data, string? Classes, string? Templates, string Tokenizer,
        int MaxSamples, int BatchSize, bool AllowPickle, ArchitectureHints? DescribedHints = null, string Device = "cpu")
    {
        /// <summary>A folder of labelled images in class subfolders, instead of <see cref="Data"/>.</summary>
        public string? ImageFolder { get; init; }

        /// <summary>Where CLIP_benchmark's result JSON goes ({task} = the task's name); null: none.</summary>
        public string? Json { get; init; }

        /// <summary>The JSON's dataset; null: the name of the first input.</summary>
        public string? DatasetName { get; init; }

        /// <summary>The JSON's model; null: the checkpoint's file name.</summary>
        public string? ModelName { get; init; }
    }

    /// <summary>
    /// The metrics of <see cref="CheckpointEvaluator"/>: samples; i2t_r1/5/10, t2i_r1/5/10 and val_loss on image-text pairs;
    /// with classes and labels, zero_shot_top1/5 and zero_shot_mean_per_class_recall. Writes the JSON when asked.
    /// </summary>
    public static async Task<Dictionary<string, double>> RunAsync(EvalRequest request, CancellationToken cancellationToken = default)
    {
        if (request.BatchSize <= 0) throw new InvalidSettingException("--batch-size", "must be positive");
        if (request.MaxSamples < 0) throw new InvalidSettingException("--max-samples", "must be 0 (all) or positive");
        if (request.Templates is not null && request.Classes is null) throw new InvalidSettingException("--templates", "prompt templates need --classes");
        if ((request.Data.Count > 0) == (request.ImageFolder is not null))
            throw new InvalidSettingException("--data/--image-folder", "give Parquet data (--data) or an image folder (--image-folder), one of them");
        var device = DeviceName.Available(request.Device, "--device");
        var prompts = ZeroShotPrompts.Read(request.Classes ?? "", request.Templates ?? "");
        var tokenizer = ClipTokenizer.FromFile(request.Tokenizer);
        // Undecodable rows are skipped, as in training; the log (without a file) only counts them.
        var source = request.ImageFolder is { } folder
            ? EvaluationSource.OpenImageFolder(folder, prompts, DataSettingsConfig.Reference, tokenizer, request.MaxSamples, new QuarantineLog())
            : await EvaluationSource.OpenAsync(request.Data, prompts, DataSettingsConfig.Reference, tokenizer, request.MaxSamples, new QuarantineLog(), cancellationToken: cancellationToken);
        // The JSON's files are known before the (long) evaluation starts, so a bad --json path is refused at once.
        var tasks = ClipBenchmarkResults.Tasks(pairs: source.HasCaptions, classification: prompts is not null && source.HasLabels);
        var files = request.Json is null ? null : ClipBenchmarkResults.Files(request.Json, tasks);
        using var model = CheckpointModel.Load(request.Checkpoint, request.AllowPickle, request.DescribedHints);
        model.to(device);
        TokenizerFit.Check(tokenizer, request.Tokenizer, model);
        var settings = EvalSettings.Reference;
        var progress = new EvaluationProgressMeter(source.ExpectedSamples, settings.ProgressInterval,
            p => Console.Error.WriteLine($"{DateTime.UtcNow:HH:mm:ss} [eval] {p}"));
        var metrics = CheckpointEvaluator.Evaluate(model, source, tokenizer, request.BatchSize, settings.ReadAheadBatches, settings.CompactHeapEveryBatches, progress, cancellationToken);
        if (files is not null)
        {
            var dataset = request.DatasetName ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(request.ImageFolder ?? request.Data[0])));
            var modelName = request.ModelName ?? Path.GetFileNameWithoutExtension(request.Checkpoint);
            foreach (var (task, file) in files)
            {
                var result = ClipBenchmarkResults.Result(task, metrics, dataset, modelName, request.Checkpoint, prompts?.Classes.Count ?? 0);
                await File.WriteAllTextAsync(file, result.ToJsonString(JsonOutput.Indented), cancellationToken);
            }
        }
        return metrics;
    }

    private static string ToText(IReadOnlyDictionary<string, double> metrics, EvalRequest request)
    {
        static string Percent(double value) => $"{100 * value:F1}%";
        var text = new StringBuilder();
        text.AppendLine($"samples            {metrics["samples"]:F0}");
        if (metrics.TryGetValue("zero_shot_top1", out var top1))
            text.AppendLine($"zero-shot          top-1 {Percent(top1)}, top-5 {Percent(metrics["zero_shot_top5"])}, " +
                            $"mean per-class recall {Percent(metrics["zero_shot_mean_per_class_recall"])}");
        else
            text.AppendLine($"zero-shot          ({(request.Classes is null ? "no --classes given" : "the data has no label column")})");
        if (!metrics.TryGetValue("val_loss", out var loss))
        {
            text.Append("retrieval          (the data has no captions)");
            return text.ToString();
        }
        text.AppendLine($"validation loss    {loss:F4}");
        text.AppendLine($"image -> text      R@1 {Percent(metrics["i2t_r1"])}, R@5 {Percent(metrics["i2t_r5"])}, R@10 {Percent(metrics["i2t_r10"])}");
        text.Append($"text -> image      R@1 {Percent(metrics["t2i_r1"])}, R@5 {Percent(metrics["t2i_r5"])}, R@10 {Percent(metrics["t2i_r10"])}");
        return text.ToString();
    }
}
