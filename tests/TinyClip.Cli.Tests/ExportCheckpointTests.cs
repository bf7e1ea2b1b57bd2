using TinyClip.Model;
using TinyClip.Model.Tests;
using TinyClip.Model.Tests.TinyClipFormat;
using static TorchSharp.torch;

namespace TinyClip.Cli.Tests;

/// <summary><c>export --checkpoint</c>: a TinyCLIP checkpoint (full model under L0 masks) to the compact OpenCLIP-named student.</summary>
public sealed class ExportCheckpointTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tinyclip-export-checkpoint-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>A TinyCLIP automatic-inheritance training checkpoint of the tiny model, DDP-wrapped, masks on both towers.</summary>
    string WriteMaskedCheckpoint()
    {
        using var model = TinyModels.Create(seed: 11);
        var state = TinyClipPickles.Wrap(model.StateDictForSave(), ddp: true);
        MaskChoice.Create().AddTo(state, ddp: true);
        var path = Path.Combine(_directory, "epoch_1_iter_2999.pt");
        TinyClipPickles.Save(path, state);
        return path;
    }

    [Fact]
    public async Task The_cli_writes_the_compact_student_which_loads_back_alone_with_equal_embeddings()
    {
        var checkpoint = WriteMaskedCheckpoint();
        var output = Path.Combine(_directory, "student.safetensors");

        var result = await CliProcess.RunAsync(TestPaths.TinyClipDll,
            ["export", "--checkpoint", checkpoint, "--allow-pickle", "--arch", "tiny-test", "--out", output]);

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains($"exported {checkpoint}", result.Stdout);
        using var source = ClipCheckpoint.LoadModel(checkpoint, allowPickle: true, hints: ArchitectureHints.From(ClipPresets.Get("tiny-test")));
        using var exported = ClipCheckpoint.LoadModel(output);
        Assert.Equal(source.Config, exported.Config);
        Assert.Equal(24, exported.Config.Vision.Width);
        Assert.Equal([2, 0], exported.Config.Text.Tower.Blocks.Select(b => b.Heads));
        var (shapes, _) = SafeTensors.ReadHeaderOnly(output);
        Assert.All(shapes.Keys, name => Assert.False(name.StartsWith('_') || name.StartsWith("masks.", StringComparison.Ordinal), name));
        using var scope = NewDisposeScope();
        var images = TestModels.Images(exported.Config, 2, 3);
        var tokens = TestModels.Tokens(exported.Config, [7, 12], 4);
        Assert.True(TestModels.BitwiseEqual(source.EncodeImage(images), exported.EncodeImage(images)), "image embeddings differ");
        Assert.True(TestModels.BitwiseEqual(source.EncodeText(tokens), exported.EncodeText(tokens)), "text embeddings differ");
    }

    [Fact]
    public void The_export_reports_the_compact_students_parameter_counts()
    {
        var checkpoint = WriteMaskedCheckpoint();
        var output = Path.Combine(_directory, "student.safetensors");

        var exported = ExportCommand.ExportCheckpoint(checkpoint, allowPickle: true, ArchitectureHints.From(ClipPresets.Get("tiny-test")), output);

        using var model = ClipCheckpoint.LoadModel(output);
        var counts = model.ParameterCounts();
        Assert.Equal((counts.Image, counts.Text), (exported.Counts.Image, exported.Counts.Text));
        Assert.True(exported.Counts.Image < ClipLayout.Count(ClipPresets.Get("tiny-test")).Image);
        Assert.Equal(AtomicFile.Sha256(output), exported.Sha256);
    }

    [Fact]
    public async Task Info_describes_a_masked_checkpoint_as_the_compact_student_it_loads_as()
    {
        var checkpoint = WriteMaskedCheckpoint();

        var result = await CliProcess.RunAsync(TestPaths.TinyClipDll, ["info", "--checkpoint", checkpoint, "--allow-pickle", "--arch", "tiny-test"]);

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("width 24, head width 16, blocks [2h/100, 1h/0]", result.Stdout);
        Assert.Contains("width 24, head width 16, blocks [2h/100, 0h/128]", result.Stdout);
    }

    [Theory]
    [InlineData(false, "--allow-pickle")]
    [InlineData(true, "--run-dir/--checkpoint")]
    public async Task A_pickle_without_permission_or_two_sources_is_refused(bool alsoRunDir, string named)
    {
        var checkpoint = WriteMaskedCheckpoint();
        var output = Path.Combine(_directory, "refused.safetensors");
        string[] args = alsoRunDir
            ? ["export", "--checkpoint", checkpoint, "--allow-pickle", "--run-dir", _directory, "--out", output]
            : ["export", "--checkpoint", checkpoint, "--out", output];

        var result = await CliProcess.RunAsync(TestPaths.TinyClipDll, args);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(named, result.Stderr);
        Assert.False(File.Exists(output));
    }
}
