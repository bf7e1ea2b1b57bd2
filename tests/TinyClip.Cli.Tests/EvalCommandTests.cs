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
}
