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
    [InlineData("tinyclip.checkpoint.every-step=5", "'tinyclip.checkpoint.every-step': unknown setting; did you mean tinyclip.checkpoint.every-steps?")]
    [InlineData("tinyclip.plan.teacher.stepz=3", "'tinyclip.plan.teacher.stepz': unknown setting; did you mean tinyclip.plan.teacher.steps?")]
    [InlineData("tinyclip.data.shuffle-everything=on", "'tinyclip.data.shuffle-everything': unknown setting")]
    public async Task A_misspelt_setting_stops_the_run_before_it_starts_and_names_the_nearest_key(string setting, string message)
    {
        var runDirectory = Path.Combine(_directory, "run");
        var result = await CliProcess.RunAsync(TestPaths.TinyClipDll, ["train", "--set", $"tinyclip.run.dir={runDirectory}", "--set", setting]);

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.EndsWith(message, line.Trim());
        Assert.False(Directory.Exists(runDirectory)); // nothing started
    }

    [Fact]
    public async Task A_misspelt_setting_in_a_node_config_file_is_named()
    {
        var file = Path.Combine(_directory, "node.conf");
        File.WriteAllText(file, "tinyclip { cluster { min-trainer-node = 2 } }");

        var result = await CliProcess.RunAsync(TestPaths.TinyClipDll, ["node", "--role", "coordinator", "--run-dir", Path.Combine(_directory, "run"), "--config", file]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("'tinyclip.cluster.min-trainer-node': unknown setting; did you mean tinyclip.cluster.min-trainer-nodes?", result.Stderr);
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
