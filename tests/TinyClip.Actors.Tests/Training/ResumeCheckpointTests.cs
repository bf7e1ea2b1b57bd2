using TinyClip.Actors.Configuration;
using TinyClip.Actors.Runtime;
using TinyClip.Actors.Training;

namespace TinyClip.Actors.Tests.Training;

/// <summary>A checkpoint read once for a node and loaded by each of its trainers.</summary>
public sealed class ResumeCheckpointTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tinyclip-resume-").FullName;

    [Fact]
    public void Two_trainers_resume_from_one_read_bitwise_as_an_uninterrupted_trainer_without_opening_the_files()
    {
        var stage = TrainingFixtures.Stage(StageKind.Teacher, steps: 10, batchSize: 4);
        static Dictionary<string, float[]> Weights(TrainerCore core) =>
            core.Student.StateDictForSave().ToDictionary(kv => kv.Key, kv => kv.Value.data<float>().ToArray());

        using var uninterrupted = TrainingFixtures.LoneTrainer(TrainingFixtures.LoneSetup(TrainingFixtures.Assignment(stage, null), _directory));
        for (int g = 0; g < 3; g++) uninterrupted.Train(TrainingFixtures.Batch(g, 4), false);
        var checkpoints = new StageCheckpoints(_directory, stage.Name, keepLast: 3);
        string sha;
        using (var snapshot = uninterrupted.Snapshot()) sha = checkpoints.Write(snapshot);
        var committed = new CheckpointRef(checkpoints.StudentPath(3), sha, 3, uninterrupted.Cursor);
        for (int g = 3; g < 5; g++) uninterrupted.Train(TrainingFixtures.Batch(g, 4), false);

        Assert.Null(StageCheckpoints.Verify(committed));
        var resume = StageCheckpoints.TryRead(committed, holders: 2, out var problem);
        Assert.Null(problem);
        Assert.NotNull(resume);
        // The trainers copy from memory: the files are gone before either of them starts.
        Directory.Delete(checkpoints.Directory, recursive: true);
        var resumed = new List<Dictionary<string, float[]>>();
        for (int trainer = 0; trainer < 2; trainer++)
        {
            using var core = TrainingFixtures.LoneTrainer(TrainingFixtures.LoneSetup(TrainingFixtures.Assignment(stage, null, [committed]), _directory), resume);
            resume.Release();
            Assert.Equal(3, core.Step);
            for (int g = 3; g < 5; g++) core.Train(TrainingFixtures.Batch(g, 4), false);
            resumed.Add(Weights(core));
        }

        var expected = Weights(uninterrupted);
        foreach (var weights in resumed)
            foreach (var (name, values) in expected) Assert.True(values.SequenceEqual(weights[name]), $"{name} differs");
    }

    [Theory]
    [InlineData(false, "does not match the committed")]
    [InlineData(true, "optimiser file does not match its recorded SHA-256")]
    public void A_checkpoint_with_an_altered_file_is_refused_with_the_reason(bool alterOptimizer, string reason)
    {
        var stage = TrainingFixtures.Stage(StageKind.Teacher, steps: 10, batchSize: 4);
        using var core = TrainingFixtures.LoneTrainer(TrainingFixtures.LoneSetup(TrainingFixtures.Assignment(stage, null), _directory));
        core.Train(TrainingFixtures.Batch(0, 4), false);
        var checkpoints = new StageCheckpoints(_directory, stage.Name, keepLast: 3);
        string sha;
        using (var snapshot = core.Snapshot()) sha = checkpoints.Write(snapshot);
        var committed = new CheckpointRef(checkpoints.StudentPath(1), sha, 1, core.Cursor);
        var altered = alterOptimizer ? Path.Combine(checkpoints.Directory, "step-1.optim.safetensors") : committed.File;
        var bytes = File.ReadAllBytes(altered);
        bytes[^5] ^= 0x40; // one bit of the last tensor's data: the same length, the header still valid
        File.WriteAllBytes(altered, bytes);

        Assert.Null(StageCheckpoints.TryRead(committed, holders: 1, out var problem));
        Assert.Contains(reason, problem);
    }

    public void Dispose()
    {
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
