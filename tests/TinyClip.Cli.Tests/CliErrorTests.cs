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

    [Theory]
    [InlineData("--role", "referee", "tinyclip.cluster.roles")]
    [InlineData("--seed-nodes", "http://127.0.0.1:4053", "tinyclip.cluster.seed-nodes")]
    [InlineData("--set", "tinyclip.persistence.journal=sqlite", "tinyclip.persistence.journal")]
    [InlineData("--set", "tinyclip.remoting.tls.enabled=on", "tinyclip.remoting.tls.certificate-path")]
    public async Task A_node_with_a_bad_cluster_setting_names_the_key_before_joining_anything(string option, string value, string key)
    {
        string[] role = option == "--role" ? [] : ["--role", "coordinator"];
        var result = await CliProcess.RunAsync(TestPaths.TinyClipDll, ["node", .. role, "--run-dir", Path.Combine(_directory, "run"), option, value]);

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(key, line);
    }
}
