using TinyClip.Actors.Training;

namespace TinyClip.Actors.Tests.Training;

/// <summary>Which checkpoint files survive a new checkpoint (file names only: pruning never reads the files).</summary>
public sealed class CheckpointPruningTests : IDisposable
{
    private readonly string _runDirectory = Directory.CreateTempSubdirectory("tinyclip-prune-").FullName;

    private StageCheckpoints WithFiles(int keepLast, params long[] steps)
    {
        var checkpoints = new StageCheckpoints(_runDirectory, "s", keepLast);
        Directory.CreateDirectory(checkpoints.Directory);
        foreach (var step in steps)
        {
            File.WriteAllText(checkpoints.StudentPath(step), "");
            File.WriteAllText(Path.Combine(checkpoints.Directory, $"step-{step}.optim.safetensors"), "");
        }
        return checkpoints;
    }

    private static IEnumerable<long> Remaining(StageCheckpoints checkpoints) =>
        Directory.GetFiles(checkpoints.Directory, "step-*.safetensors").Where(f => !f.Contains(".optim."))
            .Select(f => long.Parse(Path.GetFileNameWithoutExtension(f)["step-".Length..])).Order();

    [Fact]
    public void The_last_keep_last_checkpoints_are_kept_counting_the_new_one()
    {
        var checkpoints = WithFiles(keepLast: 3, 10, 20, 30, 40, 50);
        checkpoints.PruneOlderThan(50, lastCommitted: 40);
        Assert.Equal(new long[] { 30, 40, 50 }, Remaining(checkpoints));
        Assert.Equal(3, Directory.GetFiles(checkpoints.Directory, "*.optim.safetensors").Length);
    }

    [Fact]
    public void The_newest_committed_checkpoint_survives_trainers_that_ran_ahead_of_an_absent_supervisor()
    {
        // Steps 30..60 were written while the supervisor could not commit them: 20 is what a restart resumes from.
        var checkpoints = WithFiles(keepLast: 2, 10, 20, 30, 40, 50, 60);
        checkpoints.PruneOlderThan(60, lastCommitted: 20);
        Assert.Equal(new long[] { 20, 50, 60 }, Remaining(checkpoints));
    }

    public void Dispose()
    {
        try { Directory.Delete(_runDirectory, recursive: true); } catch (IOException) { }
    }
}
