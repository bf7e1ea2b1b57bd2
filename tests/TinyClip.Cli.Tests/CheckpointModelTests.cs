using TinyClip.Actors.Configuration;
using TinyClip.Configuration;
using TinyClip.Model;

namespace TinyClip.Cli.Tests;

public sealed class CheckpointModelTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tinyclip-checkpoint-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Hints_recorded_in_the_checkpoint_win_and_described_hints_fill_what_is_missing()
    {
        using var model = TinyModels.Create();
        var checkpoint = TinyModels.Save(model, _directory);

        // tiny-test has heads of 16; the metadata says so even when the user describes an architecture with heads of 64.
        using var fromMetadata = CheckpointModel.Load(checkpoint, false, CheckpointModel.DescribedHints("ViT-B-32", null));
        Assert.Equal(16, fromMetadata.Config.Vision.HeadWidth);

        // Without metadata only the description knows the head width: OpenCLIP's default of 64 cannot split 3 * 32 rows.
        var bare = Path.Combine(_directory, "bare.safetensors");
        var state = model.StateDictForSave();
        SafeTensors.Write(bare, state);
        foreach (var tensor in state.Values) tensor.Dispose();
        var configFile = Path.Combine(_directory, "tiny.json");
        File.WriteAllText(configFile, """
            {"embed_dim": 32, "quick_gelu": true,
             "vision_cfg": {"image_size": 32, "patch_size": 8, "width": 32, "layers": 2, "head_width": 16},
             "text_cfg": {"context_length": 16, "vocab_size": 1000, "width": 32, "heads": 2, "layers": 2}}
            """);
        Assert.Throws<CheckpointFormatException>(() => CheckpointModel.Load(bare, false, null));
        using var described = CheckpointModel.Load(bare, false, CheckpointModel.DescribedHints(null, configFile));
        Assert.Equal((16, 16, true), (described.Config.Vision.HeadWidth, described.Config.Text.HeadWidth, described.Config.QuickGelu));
    }

    [Fact]
    public void An_unknown_preset_or_both_descriptions_are_setting_errors()
    {
        Assert.Contains("--arch", Assert.Throws<InvalidSettingException>(() => CheckpointModel.DescribedHints("ViT-Q-99", null)).Message);
        Assert.Contains("not both", Assert.Throws<InvalidSettingException>(() => CheckpointModel.DescribedHints("ViT-B-32", "tiny.json")).Message);
    }
}
