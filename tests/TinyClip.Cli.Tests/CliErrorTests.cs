namespace TinyClip.Cli.Tests;

/// <summary>Mistakes a user can fix end in exit code 2 and one line naming the file and the problem, not a stack trace.</summary>
public sealed class CliErrorTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tinyclip-errors-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task A_missing_checkpoint_is_named()
    {
        var missing = Path.Combine(_directory, "missing.safetensors");

        var result = await CliProcess.RunAsync(TestPaths.TinyClipDll, ["info", "--checkpoint", missing]);

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(missing, line);
    }

    [Fact]
    public async Task A_truncated_checkpoint_is_named_with_the_problem()
    {
        using var model = TinyModels.Create();
        var checkpoint = TinyModels.Save(model, _directory);
        var bytes = File.ReadAllBytes(checkpoint);
        File.WriteAllBytes(checkpoint, bytes[..(bytes.Length / 2)]);

        var result = await CliProcess.RunAsync(TestPaths.TinyClipDll, ["embed", "--checkpoint", checkpoint, "--text", "a cat", "--tokenizer", TestPaths.ClipVocabulary]);

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(checkpoint, line);
        Assert.Contains("truncated", line);
    }
}
