using TinyClip.Actors.Collectives;
using TinyClip.Actors.Configuration;
using TinyClip.Actors.Training;
using static TorchSharp.torch;

namespace TinyClip.Actors.Tests.Training;

/// <summary>W trainers holding slices of a global batch end with the weights of one trainer holding all of it.</summary>
public sealed class DataParallelEquivalenceTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tinyclip-dp-").FullName;

    private Dictionary<string, float[]> Train(int worldSize, StageKind kind, bool learnableScale, int steps, int batchSize)
    {
        var stage = TrainingFixtures.Stage(kind, steps, batchSize, learnableScale);
        var teacher = kind == StageKind.Teacher ? null : TrainingFixtures.SaveTeacher(_directory);
        var group = new InProcessCollectiveGroup(worldSize, TimeSpan.FromSeconds(60));
        var results = new Dictionary<string, float[]>[worldSize];
        var errors = new Exception?[worldSize];
        var threads = Enumerable.Range(0, worldSize).Select(rank => new Thread(() =>
        {
            try
            {
                var setup = new TrainerSetup(TrainingFixtures.Assignment(stage, teacher), rank, worldSize, TrainingFixtures.Start, rank == 0, "cpu", _directory,
                    TrainingFixtures.VocabularySize, 3, 100, false);
                using var core = TrainerCore.Create(setup, group.Members[rank]);
                for (long g = 0; g < steps; g++)
                {
                    var report = core.Train(TrainingFixtures.Batch(g, batchSize).SliceFor(rank, worldSize), stopRequested: false);
                    Assert.False(report.Skipped);
                }
                results[rank] = core.Student.StateDictForSave().ToDictionary(kv => kv.Key, kv => kv.Value.data<float>().ToArray());
            }
            catch (Exception e)
            {
                errors[rank] = e;
                group.Abort(e.Message);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.All(errors, e => Assert.Null(e));
        // Every member of the group holds bitwise the same weights.
        for (int rank = 1; rank < worldSize; rank++)
            foreach (var (name, values) in results[0]) Assert.Equal(values, results[rank][name]);
        return results[0];
    }

    [Theory]
    [InlineData(2, StageKind.Distill, false)]
    [InlineData(3, StageKind.Distill, false)]
    [InlineData(2, StageKind.Distill, true)]
    [InlineData(3, StageKind.Teacher, true)]
    public void W_trainers_end_with_the_weights_of_one_trainer_with_the_same_global_batch(int worldSize, StageKind kind, bool learnableScale)
    {
        const int steps = 20, batchSize = 12;
        var single = Train(1, kind, learnableScale, steps, batchSize);
        var parallel = Train(worldSize, kind, learnableScale, steps, batchSize);
        var initial = ToArrays(TinyClip.Model.ClipModel.Create(TinyClip.Model.ClipPresets.Get("tiny-test", TrainingFixtures.VocabularySize), 7 * 1_000_003L));
        double moved = 0;
        foreach (var (name, values) in single)
        {
            var other = parallel[name];
            for (int i = 0; i < values.Length; i++)
            {
                Assert.True(Math.Abs(values[i] - other[i]) <= 1e-4, $"{name}[{i}]: {values[i]} vs {other[i]}");
                moved = Math.Max(moved, Math.Abs(values[i] - initial[name][i]));
            }
        }
        Assert.True(moved > 1e-3, "training must have changed the weights for the comparison to mean anything");
    }

    private static Dictionary<string, float[]> ToArrays(TinyClip.Model.ClipModel model)
    {
        using (model) return model.StateDictForSave().ToDictionary(kv => kv.Key, kv => kv.Value.data<float>().ToArray());
    }

    public void Dispose()
    {
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
