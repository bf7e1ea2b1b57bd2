using TinyClip.Actors.Configuration;
using TinyClip.Actors.Training;
using TorchSharp;

namespace TinyClip.Actors.Tests.Training;

/// <summary>
/// The trainer's per-step work beside <see cref="TrainerCore.Train"/> (whose steps <see cref="DataParallelEquivalenceTests"/>
/// check the same way) creates no tensor outside a dispose scope. TorchSharp 0.107 passes tensors to libtorch as bare
/// handles without keeping their wrappers alive, so a temporary tensor no scope holds can be finalized, and its native
/// tensor freed, while libtorch still reads it; a scope keeps every temporary reachable until it ends.
/// </summary>
public sealed class TrainerDisposeScopeTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tinyclip-scope-").FullName;

    [Fact]
    public void The_sample_log_digest_and_a_checkpoint_snapshot_create_no_tensor_outside_a_dispose_scope()
    {
        var stage = TrainingFixtures.Stage(StageKind.Distill, steps: 10, batchSize: 4);
        using var core = TrainingFixtures.LoneTrainer(TrainingFixtures.LoneSetup(TrainingFixtures.Assignment(stage, TrainingFixtures.SaveTeacher(_directory)), _directory));
        core.Train(TrainingFixtures.Batch(0, 4), false); // the optimiser's moments exist from the first step on

        var digest = CreatedOutsideScopes(() => StepFingerprint.Weights(core.Student));
        CheckpointSnapshot? snapshot = null;
        var snapshotting = CreatedOutsideScopes(() => snapshot = core.Snapshot());

        using (snapshot)
        {
            Assert.Equal(0, digest);
            Assert.Equal(0, snapshotting);
            Assert.True(snapshot!.Optimizer.Count > snapshot.Student.Count, "the snapshot holds the student and its optimiser moments");
        }
    }

    /// <summary>Tensors this thread created outside any dispose scope while <paramref name="work"/> ran.</summary>
    public static long CreatedOutsideScopes(Action work)
    {
        var before = DisposeScopeManager.Statistics.CreatedOutsideScopeCount;
        work();
        return DisposeScopeManager.Statistics.CreatedOutsideScopeCount - before;
    }

    public void Dispose()
    {
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
