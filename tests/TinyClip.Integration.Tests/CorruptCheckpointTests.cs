namespace TinyClip.Integration.Tests;

/// <summary>One uninterrupted run of the tiny plan, shared by the tests that compare against it.</summary>
public sealed class UninterruptedRun : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tinyclip-reference-").FullName;

    public UninterruptedRun()
    {
        RunDirectory = Path.Combine(_directory, "run");
        TinyRun.RunToEnd(TinyRun.WriteConfig(_directory), RunDirectory);
    }

    public string RunDirectory { get; }

    public void Dispose()
    {
        TinyRun.RemoveTestDirectory(_directory);
    }
}

/// <summary>
/// The newest committed checkpoint damaged on disk after a crash (its student file truncated, its optimiser file
/// deleted or truncated): the rerun detects it by hash, resumes from the previous committed checkpoint and still ends
/// with the weights of an uninterrupted run.
/// </summary>
[Trait("Category", "Integration")]
public sealed class CorruptCheckpointTests(UninterruptedRun reference) : IClassFixture<UninterruptedRun>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tinyclip-corrupt-").FullName;

    public static TheoryData<string, string> Damages() => new()
    {
        { "student file truncated", "does not match the committed" },
        { "optimiser file deleted", "optimiser file is missing" },
        { "optimiser file truncated", "optimiser file does not match its recorded SHA-256" },
    };

    [Theory]
    [MemberData(nameof(Damages))]
    public void A_damaged_newest_checkpoint_is_rejected_and_the_previous_one_is_used(string damage, string reason)
    {
        var config = TinyRun.WriteConfig(_directory);
        var run = Path.Combine(_directory, "run");
        TinyRun.RunAndKill(config, run, () => TinyRun.JournalEvents(run, "CheckpointCommitted") >= 2);
        var committed = TinyRun.CommittedCheckpoints(run);
        Assert.True(committed.Count >= 2, "a previous committed checkpoint is needed to fall back on");
        var student = committed[^1];
        var optimiser = Path.ChangeExtension(student, ".optim.safetensors");
        switch (damage)
        {
            case "student file truncated": Truncate(student); break;
            case "optimiser file deleted": File.Delete(optimiser); break;
            case "optimiser file truncated": Truncate(optimiser); break;
        }

        var (exit, output) = CliProcess.Run(TinyRun.RunTimeout, "train", "--config", config, "--run-dir", run);

        Assert.True(exit == 0, output);
        Assert.Contains($"checkpoint rejected: {student}: ", output);
        Assert.Contains(reason, output);
        Assert.Contains($"stage teacher: resumed at step {StepOf(committed[^2])}", output);
        foreach (var stage in TinyRun.Stages) TinyRun.AssertSameFinalWeights(reference.RunDirectory, run, stage);
    }

    private static long StepOf(string checkpoint) => long.Parse(Path.GetFileNameWithoutExtension(checkpoint)["step-".Length..]);

    /// <summary>Cuts the file to half its length, as a crash of a non-atomic copy or a full disk would.</summary>
    private static void Truncate(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Write);
        stream.SetLength(stream.Length / 2);
    }

    public void Dispose()
    {
        TinyRun.RemoveTestDirectory(_directory);
    }
}
