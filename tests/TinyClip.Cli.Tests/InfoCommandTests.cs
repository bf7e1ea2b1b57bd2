using System.Text.Json;

namespace TinyClip.Cli.Tests;

public sealed class InfoCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tinyclip-info-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task The_cli_reports_the_tiny_test_architecture_and_the_parameters_the_model_really_has()
    {
        using var model = TinyModels.Create();
        var checkpoint = TinyModels.Save(model, _directory);
        var (image, text) = model.ParameterCounts();

        var result = await CliProcess.RunAsync(TestPaths.TinyClipDll, ["info", "--checkpoint", checkpoint, "--json"]);

        Assert.True(result.ExitCode == 0, result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout);
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
}
