using System.Text.Json;

namespace TinyClip.Cli.Tests;

public sealed class InfoCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tinyclip-info-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>The <c>--json</c> output of a successful <c>tinyclip info</c> with <paramref name="arguments"/>.</summary>
    private static async Task<JsonDocument> InfoJson(params string[] arguments)
    {
        var result = await CliProcess.RunAsync(TestPaths.TinyClipDll, ["info", .. arguments, "--json"]);
        Assert.True(result.ExitCode == 0, result.Stderr);
        return JsonDocument.Parse(result.Stdout);
    }

    [Fact]
    public async Task The_cli_reports_the_tiny_test_architecture_and_the_parameters_the_model_really_has()
    {
        using var model = TinyModels.Create();
        var checkpoint = TinyModels.Save(model, _directory);
        var (image, text) = model.ParameterCounts();

        using var json = await InfoJson("--checkpoint", checkpoint);
        var root = json.RootElement;
        var parameters = root.GetProperty("parameters");
        Assert.Equal(image, parameters.GetProperty("image").GetInt64());
        Assert.Equal(text, parameters.GetProperty("text").GetInt64());
        Assert.Equal(text - 1000 * 32, parameters.GetProperty("text_without_token_embedding").GetInt64());
        Assert.Equal(image + text + 1, parameters.GetProperty("total").GetInt64());
        Assert.Equal(32, root.GetProperty("embed_dim").GetInt32());
        var vision = root.GetProperty("vision");
        Assert.Equal((32, 8, 2, 16), (vision.GetProperty("image_size").GetInt32(), vision.GetProperty("patch_size").GetInt32(),
            vision.GetProperty("layers").GetInt32(), vision.GetProperty("head_width").GetInt32()));
        Assert.Equal((16, 1000), (root.GetProperty("text").GetProperty("context_length").GetInt32(), root.GetProperty("text").GetProperty("vocab_size").GetInt32()));
    }

    [Theory]
    [InlineData("TinyCLIP-ResNet-19M-Text-19M", 18_596_766, 19_479_040, 19, 19)]
    [InlineData("TinyCLIP-ResNet-30M-Text-29M", 29_583_780, 28_936_192, 30, 29)]
    [InlineData("TinyCLIP-ViT-8M-16-Text-3M", 8_276_992, 2_520_576, 8, 3)]
    public async Task A_preset_is_counted_without_weights_beside_the_published_counts(string preset, long image, long text, double paperImage, double paperText)
    {
        using var json = await InfoJson("--model", preset);
        var root = json.RootElement;
        var parameters = root.GetProperty("parameters");
        Assert.Equal(image, parameters.GetProperty("image").GetInt64());
        Assert.Equal(text, parameters.GetProperty("text_without_token_embedding").GetInt64());
        var published = root.GetProperty("published");
        Assert.Equal(paperImage, published.GetProperty("image_millions").GetDouble());
        Assert.Equal(paperText, published.GetProperty("text_millions").GetDouble());
        // TinyCLIP's names round to whole millions; the counts here round to the same numbers.
        Assert.Equal(paperImage, Math.Round(image / 1e6));
        Assert.Equal(paperText, Math.Round(text / 1e6));
    }

    [Fact]
    public async Task A_TinyClip_model_config_json_is_read_and_compared_by_its_file_name()
    {
        var path = Path.Combine(_directory, "TinyCLIP-ResNet-30M-Text-29M.json");
        await File.WriteAllTextAsync(path, """
            {"embed_dim": 1024,
             "vision_cfg": {"image_size": 224, "layers": [3, 4, 6, 3], "width": 56, "patch_size": null},
             "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 512, "heads": 8, "layers": 9}}
            """);

        var result = await CliProcess.RunAsync(TestPaths.TinyClipDll, ["info", "--model", path]);

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("ModifiedResNet width 56, stages [3, 4, 6, 3], attention pool 28 heads of 64", result.Stdout);
        Assert.Contains("image 29,583,780, text 54,233,088", result.Stdout);
        Assert.Contains("published    image 30M, text 29M (without token embedding); here image 29.6M, text 28.9M", result.Stdout);
    }

    [Fact]
    public async Task Info_needs_exactly_one_of_checkpoint_and_model()
    {
        var result = await CliProcess.RunAsync(TestPaths.TinyClipDll, ["info"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("exactly one of --checkpoint and --model", result.Stderr);
    }
}
