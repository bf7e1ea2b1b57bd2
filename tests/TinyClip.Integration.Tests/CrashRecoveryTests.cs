namespace TinyClip.Integration.Tests;

/// <summary>
/// The real CLI killed with SIGKILL mid-run and started again with the same command ends with exactly the weights of
/// an uninterrupted run (bitwise: the CPU math is deterministic and every random draw is seeded from the step).
/// </summary>
[Trait("Category", "Integration")]
public sealed class CrashRecoveryTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tinyclip-crash-").FullName;

    private (string Config, string RunDirectory) Fresh(string name)
    {
        var directory = Path.Combine(_directory, name);
        Directory.CreateDirectory(directory);
        return (TinyRun.WriteConfig(directory), Path.Combine(directory, "run"));
    }

    private static IReadOnlyList<string> Events(string runDirectory) =>
        TinyRun.StatusEvents(runDirectory)
            .Where(e => (string?)e["type"] != "EvalRecorded")
            .Select(e => $"{e["type"]} {e["stage"]} {(e["step"] is { } n ? (long)n : -1)}")
            .ToList();

    [Fact]
    public void Killed_twice_and_rerun_ends_with_the_weights_and_events_of_an_uninterrupted_run()
    {
        var (config, reference) = Fresh("uninterrupted");
        TinyRun.RunToEnd(config, reference);

        var (config2, crashed) = Fresh("crashed");
        // First kill: in the teacher stage, after at least two checkpoints. Second: in the distill stage.
        TinyRun.RunAndKill(config2, crashed, () => TinyRun.CheckpointFiles(crashed, "teacher") >= 2);
        Assert.False(File.Exists(TinyRun.FinalStudent(crashed, "teacher")));
        TinyRun.RunAndKill(config2, crashed, () => TinyRun.CheckpointFiles(crashed, "distill") >= 1);
        Assert.False(File.Exists(TinyRun.FinalStudent(crashed, "distill")));
        TinyRun.RunToEnd(config2, crashed);

        foreach (var stage in new[] { "teacher", "distill" })
        {
            var expected = TinyRun.Weights(TinyRun.FinalStudent(reference, stage));
            var actual = TinyRun.Weights(TinyRun.FinalStudent(crashed, stage));
            Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
            foreach (var (name, values) in expected) Assert.True(values.SequenceEqual(actual[name]), $"{stage}: {name} differs");
        }
        Assert.Equal(Events(reference), Events(crashed));
    }

    [Fact]
    public void A_corrupt_newest_checkpoint_is_detected_and_the_previous_one_is_used()
    {
        var (config, reference) = Fresh("uninterrupted");
        TinyRun.RunToEnd(config, reference);

        var (config2, crashed) = Fresh("corrupt");
        TinyRun.RunAndKill(config2, crashed, () => TinyRun.JournalEvents(crashed, "CheckpointCommitted") >= 2);
        var newest = TinyRun.CommittedCheckpoints(crashed)[^1];
        var bytes = File.ReadAllBytes(newest);
        bytes[^5] ^= 0x40; // one flipped bit in the tensor data
        File.WriteAllBytes(newest, bytes);

        var (exit, output) = CliProcess.Run(TinyRun.RunTimeout, "train", "--config", config2, "--run-dir", crashed);
        Assert.True(exit == 0, output);
        Assert.Contains("checkpoint rejected", output);
        var expected = TinyRun.Weights(TinyRun.FinalStudent(reference, "distill"));
        var actual = TinyRun.Weights(TinyRun.FinalStudent(crashed, "distill"));
        foreach (var (name, values) in expected) Assert.True(values.SequenceEqual(actual[name]), $"{name} differs");
    }

    [Fact]
    public void A_graceful_stop_writes_a_checkpoint_and_the_rerun_finishes_with_the_same_weights()
    {
        var (config, reference) = Fresh("uninterrupted");
        TinyRun.RunToEnd(config, reference);

        var (config2, interrupted) = Fresh("interrupted");
        using (var cli = CliProcess.Start("train", "--config", config2, "--run-dir", interrupted))
        {
            cli.WaitUntil(() => TinyRun.CheckpointFiles(interrupted, "teacher") >= 1, "the first teacher checkpoint", TinyRun.RunTimeout);
            cli.Terminate();
            Assert.Equal(130, cli.WaitForExit(TinyRun.RunTimeout));
            Assert.Contains("stopped on request after the checkpoint at step", cli.Output);
        }
        var status = CliProcess.Run(TimeSpan.FromMinutes(1), "status", "--run-dir", interrupted);
        Assert.Contains("a restart resumes stage 'teacher' at step", status.Output);

        TinyRun.RunToEnd(config2, interrupted);
        var expected = TinyRun.Weights(TinyRun.FinalStudent(reference, "distill"));
        var actual = TinyRun.Weights(TinyRun.FinalStudent(interrupted, "distill"));
        foreach (var (name, values) in expected) Assert.True(values.SequenceEqual(actual[name]), $"{name} differs");
    }

    [Fact]
    public void A_journal_that_cannot_be_opened_is_a_clear_error()
    {
        var (config, run) = Fresh("badjournal");
        Directory.CreateDirectory(run);
        File.WriteAllBytes(Path.Combine(run, "journal.db"), System.Text.Encoding.ASCII.GetBytes(new string('x', 4096)));
        var (exit, output) = CliProcess.Run(TinyRun.RunTimeout, "train", "--config", config, "--run-dir", run);
        Assert.Equal(2, exit);
        Assert.Contains("journal", output);
        Assert.Contains("cannot be opened", output);
        Assert.DoesNotContain("   at ", output); // no stack trace
    }

    [Fact]
    public void A_run_directory_in_use_by_another_process_is_refused()
    {
        var (config, run) = Fresh("locked");
        using var first = CliProcess.Start("train", "--config", config, "--run-dir", run);
        first.WaitUntil(() => File.Exists(Path.Combine(run, "run.json")), "run.json", TinyRun.RunTimeout);
        var (exit, output) = CliProcess.Run(TinyRun.RunTimeout, "train", "--config", config, "--run-dir", run);
        Assert.Equal(2, exit);
        Assert.Contains("in use by another process", output);
        first.Kill();
    }

    public void Dispose()
    {
        TinyRun.RemoveTestDirectory(_directory);
    }
}
