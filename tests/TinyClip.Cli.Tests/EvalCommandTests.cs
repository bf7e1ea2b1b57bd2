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

    private EvalCommand.EvalRequest Request(string data, string checkpoint, string tokenizer, int maxSamples) =>
        new(checkpoint, [data], Path.Combine(_directory, "classes.txt"), Path.Combine(_directory, "templates.txt"), tokenizer,
            maxSamples, BatchSize: 8, AllowPickle: false);

    [Theory]
    [InlineData(0, 20)]
    [InlineData(13, 13)]
    public async Task Zero_shot_and_retrieval_metrics_are_fractions_over_the_samples_evaluated(int maxSamples, int expectedCount)
    {
        var data = await WriteValidationSetAsync();
        using var model = TinyModels.Create();
        var checkpoint = TinyModels.Save(model, _directory);
        var tokenizer = TinyModels.WriteTokenizer(_directory);

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
        using var model = TinyModels.Create();
        var checkpoint = TinyModels.Save(model, _directory);
        var tokenizer = TinyModels.WriteTokenizer(_directory);

        var text = await CliProcess.RunAsync(TestPaths.TinyClipDll, ["eval", "--checkpoint", checkpoint, "--data", data, "--tokenizer", tokenizer, "--batch-size", "8"]);
        var json = await CliProcess.RunAsync(TestPaths.TinyClipDll, ["eval", "--checkpoint", checkpoint, "--data", data, "--tokenizer", tokenizer, "--json"]);

        Assert.True(text.ExitCode == 0, text.Stderr);
        Assert.Contains("zero-shot          (no --classes given)", text.Stdout);
        Assert.Matches(@"image -> text      R@1 \d+\.\d%, R@5 \d+\.\d%, R@10 \d+\.\d%", text.Stdout);
        Assert.Matches(@"text -> image      R@1 \d+\.\d%", text.Stdout);
        Assert.Matches(@"validation loss    \d+\.\d{4}", text.Stdout);
        Assert.True(json.ExitCode == 0, json.Stderr);
        var metrics = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, double>>(json.Stdout)!;
        Assert.Equal(new[] { "i2t_r1", "i2t_r10", "i2t_r5", "samples", "t2i_r1", "t2i_r10", "t2i_r5", "val_loss" }, metrics.Keys.Order());
        Assert.Equal(20, metrics["samples"]);
    }

    [Fact]
    public async Task Templates_without_classes_and_an_unavailable_device_are_refused_with_the_option_named()
    {
        var data = await WriteValidationSetAsync();
        using var model = TinyModels.Create();
        var checkpoint = TinyModels.Save(model, _directory);
        var tokenizer = TinyModels.WriteTokenizer(_directory);
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
