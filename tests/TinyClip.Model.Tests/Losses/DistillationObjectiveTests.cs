using TinyClip.Model.Losses;
using static TorchSharp.torch;

namespace TinyClip.Model.Tests.Losses;

public class DistillationObjectiveTests
{
    // The hand case's scales (student 2, teacher 1) come in as log-form parameters, so these tests also
    // check that the objective uses exp(student logit_scale) and exp(teacher logit_scale) when told to.
    private static readonly DistillationSettings OwnScales = new(LearnableStudentScale: true, UseTeacherOwnScale: true);

    private static Tensor Log(double scale) => tensor(Math.Log(scale), dtype: ScalarType.Float64);

    [Fact]
    public void AlphaMixesTheTwoLossesWithTheWeight()
    {
        using var scope = NewDisposeScope();
        var objective = new DistillationObjective(OwnScales with { Alpha = 0.25, Weight = 2.0 });
        var value = objective.Compute(HandCase.Student(), HandCase.Teacher(), Log(HandCase.StudentScale), Log(HandCase.TeacherScale));

        Assert.Equal(0.25 * 2.0 * HandCase.AffinityFull + 0.75 * 2.0 * HandCase.ClipFull, value.Loss.item<double>(), 12);
        Assert.Equal(HandCase.AffinityFull, value.Distill, 12);
        Assert.Equal(HandCase.ClipFull, value.Clip, 12);
    }

    [Fact]
    public void DefaultIsPureMimickingAtFixedScale50()
    {
        using var scope = NewDisposeScope();
        var objective = new DistillationObjective(new DistillationSettings());
        // Passed scales are ignored: both are fixed at 50 by default.
        var value = objective.Compute(HandCase.Student(), HandCase.Teacher(), Log(HandCase.StudentScale), Log(HandCase.TeacherScale));

        // The hand case's rows (see HandCase) scaled by 50 instead of 2 and 1, same formulas:
        // affinity 14.999795710106355, InfoNCE 2.500022699449632.
        Assert.Equal(14.999795710106355, value.Loss.item<double>(), 10);
        Assert.Equal(2.500022699449632, value.Clip, 10);
    }

    [Fact]
    public void AlphaZeroNeedsNoTeacher()
    {
        using var scope = NewDisposeScope();
        var objective = new DistillationObjective(OwnScales with { Alpha = 0.0, Weight = 3.0 });
        var value = objective.Compute(HandCase.Student(), teacher: null, Log(HandCase.StudentScale));

        Assert.False(objective.NeedsTeacher);
        Assert.Equal(3.0 * HandCase.ClipFull, value.Loss.item<double>(), 12);
        Assert.True(double.IsNaN(value.Distill));
    }

    [Fact]
    public void PositiveAlphaWithoutTeacherIsRejected()
    {
        using var scope = NewDisposeScope();
        var objective = new DistillationObjective(new DistillationSettings(Alpha: 0.5));
        Assert.Throws<ArgumentNullException>(() => objective.Compute(HandCase.Student(), teacher: null));
    }

    [Fact]
    public void PureMimickingLeavesTheClipLossOutOfTheGradient()
    {
        using var scope = NewDisposeScope();
        var student = HandCase.Student();
        var image = student.Image.requires_grad_();
        var objective = new DistillationObjective(new DistillationSettings(FixedLogitScale: 2.0));
        objective.Compute(new ClipFeatures(image, student.Text), HandCase.Teacher()).Loss.backward();

        var alone = HandCase.Student().Image.requires_grad_();
        AffinityMimickingLoss.Compute(new ClipFeatures(alone, student.Text), HandCase.Teacher(), 2.0, 2.0).backward();

        Assert.True(image.grad!.allclose(alone.grad!, rtol: 0, atol: 1e-12));
    }

    [Fact]
    public void LearnableScaleIsClampedAfterAStep()
    {
        using var scope = NewDisposeScope();
        var objective = new DistillationObjective(new DistillationSettings(LearnableStudentScale: true));
        var tooLarge = tensor(5.0f);
        var negative = tensor(-1.0f);
        var inside = tensor(2.5f);

        objective.ConstrainStudentLogitScale(tooLarge);
        objective.ConstrainStudentLogitScale(negative);
        objective.ConstrainStudentLogitScale(inside);

        Assert.Equal(Math.Log(100.0), tooLarge.item<float>(), 5);
        Assert.Equal(0.0, negative.item<float>(), 6);
        Assert.Equal(2.5, inside.item<float>(), 6);
    }

    [Fact]
    public void FixedScaleIsResetAfterAStep()
    {
        using var scope = NewDisposeScope();
        var objective = new DistillationObjective(new DistillationSettings(FixedLogitScale: 20.0));
        var logitScale = tensor(3.7f);
        objective.ConstrainStudentLogitScale(logitScale);
        Assert.Equal(Math.Log(20.0), logitScale.item<float>(), 5);
    }

    [Theory]
    [InlineData(-0.1, 1.0)]
    [InlineData(1.1, 1.0)]
    [InlineData(0.5, 0.0)]
    public void InvalidSettingsAreRejected(double alpha, double weight) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new DistillationObjective(new DistillationSettings(alpha, weight)));
}
