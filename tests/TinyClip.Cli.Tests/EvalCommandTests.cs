using System.Text.Json.Nodes;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TinyClip.Configuration;
using TinyClip.Data.Synthetic;

namespace TinyClip.Cli.Tests;

public sealed class EvalCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tinyclip-eval-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>20 labelled 32x32 synthetic samples in two shards of row groups of 5, with classes.txt and templates.txt.</summary>
    private async Task<string> WriteValidationSetAsync()
    {
        await SyntheticDataset.WriteAsync(new SynthOptions(_directory, TrainCount: 0, ValCount: 20, ImageSize: 32, RowsPerFile: 10, RowGroupSize: 5));
        return Path.Combine(_directory, "val");
    }

    /// <summary>The tiny-test model's checkpoint and a tokenizer that fits it, in the test's directory.</summary>
    private (string Checkpoint, string Tokenizer) SaveTinyModel()
    {
        using var model = TinyModels.Create();
        return (TinyModels.Save(model, _directory), TinyModels.WriteTokenizer(_directory));
    }

    private EvalCommand.EvalRequest Request(string data, string checkpoint, string tokenizer, int maxSamples) =>
        new(checkpoint, [data], Path.Combine(_directory, "classes.txt"), Path.Combine(_directory, "templates.txt"), tokenizer,
            maxSamples, BatchSize: 8, AllowPickle: false);

    [Theory]
    [InlineData(0, 20)]
    [InlineData(13, 13)]
    public async Task Zero_shot_and_retrieval_metrics_are_fractions_over_the_samples_evaluated(int maxSamples, int expectedCount)
    {
        var data = await WriteValidationSetAsync();
        var (checkpoint, tokenizer) = SaveTinyModel();

        var metrics = await EvalCommand.RunAsync(Request(data, checkpoint, tokenizer, maxSamples));

        Assert.Equal(expectedCount, metrics["samples"]);
        string[] fractions = ["zero_shot_top1", "zero_shot_top5", "i2t_r1", "i2t_r5", "i2t_r10", "t2i_r1", "t2i_r5", "t2i_r10"];
        Assert.All(fractions, name => Assert.InRange(metrics[name], 0.0, 1.0));
        // Recall and top-k accuracy can only grow with k.
        Assert.True(metrics["i2t_r1"] <= metrics["i2t_r5"] && metrics["i2t_r5"] <= metrics["i2t_r10"]);
        Assert.True(metrics["zero_shot_top1"] <= metrics["zero_shot_top5"]);
    }

    [Fact]
    public async Task Without_classes_the_cli_reports_retrieval_and_the_validation_loss()
    {
        var data = await WriteValidationSetAsync();
        var (checkpoint, tokenizer) = SaveTinyModel();

        var json = Path.Combine(_directory, "retrieval.json");
        var text = await CliProcess.RunAsync(TestPaths.TinyClipDll,
            ["eval", "--checkpoint", checkpoint, "--data", data, "--tokenizer", tokenizer, "--batch-size", "8", "--json", json]);

        Assert.True(text.ExitCode == 0, text.Stderr);
        Assert.Contains("zero-shot          (no --classes given)", text.Stdout);
        Assert.Matches(@"image -> text      R@1 \d+\.\d%, R@5 \d+\.\d%, R@10 \d+\.\d%", text.Stdout);
        Assert.Matches(@"text -> image      R@1 \d+\.\d%", text.Stdout);
        Assert.Matches(@"validation loss    \d+\.\d{4}", text.Stdout);
        var result = JsonNode.Parse(File.ReadAllText(json))!.AsObject();
        Assert.Equal("zeroshot_retrieval", (string)result["task"]!);
        Assert.Equal(20, (long)result["samples"]!);
        // The printed recall is the JSON's, rounded: text -> image R@1 is CLIP_benchmark's image retrieval.
        var imageRetrieval = (double)result["metrics"]!["image_retrieval_recall@1"]!;
        Assert.Contains($"text -> image      R@1 {100 * imageRetrieval:F1}%", text.Stdout);
    }

    [Fact]
    public async Task The_json_has_clip_benchmarks_form_one_file_a_task_with_the_metrics_of_the_evaluation()
    {
        var data = await WriteValidationSetAsync();
        var (checkpoint, tokenizer) = SaveTinyModel();
        var json = Path.Combine(_directory, "synthetic_{task}.json");
        var request = Request(data, checkpoint, tokenizer, maxSamples: 0) with { Json = json, DatasetName = "synthetic-val" };

        var refused = await Assert.ThrowsAsync<InvalidSettingException>(() => EvalCommand.RunAsync(request with { Json = Path.Combine(_directory, "one.json") }));
        var metrics = await EvalCommand.RunAsync(request);

        Assert.Equal("--json", refused.Key);
        Assert.Contains("put {task} in the file name", refused.Message);
        Assert.False(File.Exists(Path.Combine(_directory, "one.json")));
        var classification = JsonNode.Parse(File.ReadAllText(json.Replace("{task}", "zeroshot_classification")))!.AsObject();
        var retrieval = JsonNode.Parse(File.ReadAllText(json.Replace("{task}", "zeroshot_retrieval")))!.AsObject();
        // CLIP_benchmark's keys in its order, then what it does not report.
        Assert.Equal(["dataset", "model", "pretrained", "task", "metrics", "language", "samples"], classification.Select(p => p.Key));
        Assert.Equal(["dataset", "model", "pretrained", "task", "metrics", "language", "samples", "val_loss"], retrieval.Select(p => p.Key));
        Assert.Equal(("synthetic-val", "tiny", checkpoint, "zeroshot_classification", "en", 20L),
            ((string)classification["dataset"]!, (string)classification["model"]!, (string)classification["pretrained"]!, (string)classification["task"]!,
             (string)classification["language"]!, (long)classification["samples"]!));
        var accuracy = classification["metrics"]!.AsObject();
        Assert.Equal(["acc1", "acc5", "mean_per_class_recall"], accuracy.Select(p => p.Key));
        Assert.Equal((metrics["zero_shot_top1"], metrics["zero_shot_top5"], metrics["zero_shot_mean_per_class_recall"]),
            ((double)accuracy["acc1"]!, (double)accuracy["acc5"]!, (double)accuracy["mean_per_class_recall"]!));
        var recall = retrieval["metrics"]!.AsObject();
        Assert.Equal(["image_retrieval_recall@1", "text_retrieval_recall@1", "image_retrieval_recall@5", "text_retrieval_recall@5",
            "image_retrieval_recall@10", "text_retrieval_recall@10"], recall.Select(p => p.Key));
        foreach (var k in new[] { 1, 5, 10 })
            Assert.Equal((metrics[$"t2i_r{k}"], metrics[$"i2t_r{k}"]), ((double)recall[$"image_retrieval_recall@{k}"]!, (double)recall[$"text_retrieval_recall@{k}"]!));
        Assert.Equal(metrics["val_loss"], (double)retrieval["val_loss"]!);
        Assert.Equal("zeroshot_retrieval", (string)retrieval["task"]!);
    }

    [Fact]
    public async Task An_image_folder_is_evaluated_by_the_built_program_for_zero_shot_only_and_acc5_is_null_below_five_classes()
    {
        var (checkpoint, tokenizer) = SaveTinyModel();
        var folder = Path.Combine(_directory, "val");
        string[] names = ["cat", "dog", "red square"];
        for (var c = 0; c < names.Length; c++)
        {
            Directory.CreateDirectory(Path.Combine(folder, $"n0{c}"));
            for (var i = 0; i < 2; i++)
            {
                using var image = new Image<Rgb24>(24, 20, new Rgb24((byte)(80 * c), (byte)(100 * i), 50));
                image.SaveAsJpeg(Path.Combine(folder, $"n0{c}", $"{i}.JPEG"));
            }
        }
        File.WriteAllText(Path.Combine(folder, "n00", "LOC_synset_mapping.txt"), "not an image");
        var classes = Path.Combine(_directory, "names.txt");
        File.WriteAllLines(classes, names);
        var json = Path.Combine(_directory, "folder.json");

        var run = await CliProcess.RunAsync(TestPaths.TinyClipDll,
            ["eval", "--checkpoint", checkpoint, "--image-folder", folder, "--classes", classes, "--tokenizer", tokenizer, "--json", json, "--model-name", "TinyCLIP-test"]);
        var both = await CliProcess.RunAsync(TestPaths.TinyClipDll,
            ["eval", "--checkpoint", checkpoint, "--image-folder", folder, "--data", folder, "--classes", classes, "--tokenizer", tokenizer]);

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("samples            6", run.Stdout);
        Assert.Matches(@"zero-shot          top-1 \d+\.\d%, top-5 100\.0%, mean per-class recall \d+\.\d%", run.Stdout);
        Assert.Contains("retrieval          (the data has no captions)", run.Stdout);
        var result = JsonNode.Parse(File.ReadAllText(json))!.AsObject();
        Assert.Equal(("val", "TinyCLIP-test", "zeroshot_classification"), ((string)result["dataset"]!, (string)result["model"]!, (string)result["task"]!));
        Assert.Null(result["metrics"]!["acc5"]);
        Assert.True(result["metrics"]!.AsObject().ContainsKey("acc5"));
        // Two images a class: the mean per-class recall equals the top-1 accuracy, a multiple of 1/6.
        var acc1 = (double)result["metrics"]!["acc1"]!;
        Assert.Equal(acc1, (double)result["metrics"]!["mean_per_class_recall"]!, 12);
        Assert.Equal(0, acc1 * 6 % 1, 9);
        Assert.Equal(2, both.ExitCode);
        Assert.Contains("--data/--image-folder", both.Stderr);
    }

    [Fact]
    public async Task Templates_without_classes_and_an_unavailable_device_are_refused_with_the_option_named()
    {
        var data = await WriteValidationSetAsync();
        var (checkpoint, tokenizer) = SaveTinyModel();
        var request = new EvalCommand.EvalRequest(checkpoint, [data], null, Path.Combine(_directory, "templates.txt"), tokenizer, 0, 8, false);

        var templates = await Assert.ThrowsAsync<TinyClip.Configuration.InvalidSettingException>(() => EvalCommand.RunAsync(request));
        // One past the last CUDA device: cuda:0 on a CPU build of libtorch, which has none.
        var absent = $"cuda:{TorchSharp.torch.cuda.device_count()}";
        var device = await Assert.ThrowsAsync<TinyClip.Configuration.InvalidSettingException>(() =>
            EvalCommand.RunAsync(request with { Templates = null, Device = absent }));

        Assert.Equal("--templates", templates.Key);
        Assert.Equal("--device", device.Key);
        Assert.Contains($"'{absent}' was asked for", device.Message);
    }
}
