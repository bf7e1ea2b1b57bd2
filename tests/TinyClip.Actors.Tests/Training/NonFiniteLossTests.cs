using TinyClip.Actors.Configuration;
using TinyClip.Actors.Training;
using TinyClip.Model;
using static TorchSharp.torch;

namespace TinyClip.Actors.Tests.Training;

public sealed class NonFiniteLossTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tinyclip-nan-").FullName;

    [Fact]
    public void Non_finite_steps_are_skipped_without_an_update_and_too_many_in_a_row_stop_the_stage()
    {
        using var core = Teacher(maxNonFiniteStepsInRow: 3);
        // Pixels are bytes, so a non-finite loss is provoked through the student: its logit scale made NaN for a step.
        var scale = core.Student.LogitScale;
        var finiteScale = scale.data<float>()[0];
        void SetScale(float value) { using var noGrad = no_grad(); scale.fill_(value); }

        Assert.False(core.Train(TrainingFixtures.Batch(0, 4), false).Skipped);
        SetScale(float.NaN);
        var before = Weights(core);
        var skipped = core.Train(TrainingFixtures.Batch(1, 4), false);
        Assert.True(skipped.Skipped);
        Assert.True(double.IsNaN(skipped.Loss));
        Assert.Equal(2, core.Step); // the batch is consumed; the schedule moves on
        Assert.Equal(2, core.Cursor.GlobalBatch);
        Assert.Equal(before, Weights(core));

        SetScale(finiteScale);
        Assert.False(core.Train(TrainingFixtures.Batch(2, 4), false).Skipped); // a finite step resets the count
        SetScale(float.NaN);
        core.Train(TrainingFixtures.Batch(3, 4), false);
        core.Train(TrainingFixtures.Batch(4, 4), false);
        var error = Assert.Throws<NonFiniteLossException>(() => core.Train(TrainingFixtures.Batch(5, 4), false));
        Assert.Contains("3 steps in a row", error.Message);
    }

    [Fact]
    public void A_finite_loss_with_non_finite_gradients_is_skipped_without_an_update()
    {
        using var core = Teacher(maxNonFiniteStepsInRow: 2);
        // A logit scale of 85 (exp 8e36) keeps the loss finite (about 8e35 here), but the gradients overflow float32.
        using (no_grad()) core.Student.LogitScale.FillInPlace(85);
        var before = Weights(core);

        var skipped = core.Train(TrainingFixtures.Batch(0, 4), false);

        Assert.True(double.IsFinite(skipped.Loss), $"loss {skipped.Loss}");
        Assert.False(double.IsFinite(skipped.GradientNorm), $"gradient norm {skipped.GradientNorm}");
        Assert.True(skipped.Skipped);
        Assert.Equal(1, core.Step);
        Assert.Equal(before, Weights(core));
        // It counts towards the limit of non-finite steps in a row like a non-finite loss.
        var error = Assert.Throws<NonFiniteLossException>(() => core.Train(TrainingFixtures.Batch(1, 4), false));
        Assert.Contains("2 steps in a row", error.Message);
    }

    private TrainerCore Teacher(int maxNonFiniteStepsInRow)
    {
        var stage = TrainingFixtures.Stage(StageKind.Teacher, steps: 10, batchSize: 4);
        return TrainingFixtures.LoneTrainer(TrainingFixtures.LoneSetup(TrainingFixtures.Assignment(stage, null), _directory, maxNonFiniteStepsInRow));
    }

    private static Dictionary<string, float[]> Weights(TrainerCore core) =>
        core.Student.StateDictForSave().ToDictionary(kv => kv.Key, kv => kv.Value.data<float>().ToArray());

    public void Dispose()
    {
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
