using TinyClip.Model.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace TinyClip.Model.Tests.Losses;

public class AffinityMimickingLossTests
{
    [Fact]
    public void HandCaseValue()
    {
        using var scope = NewDisposeScope();
        var loss = AffinityMimickingLoss.Compute(HandCase.Student(), HandCase.Teacher(), HandCase.StudentScale, HandCase.TeacherScale);
        Assert.Equal(HandCase.AffinityFull, loss.item<double>(), 12);
    }

    [Fact]
    public void RowsFormTakesOwnRowsAgainstAllColumns()
    {
        using var scope = NewDisposeScope();
        var loss = AffinityMimickingLoss.Compute(
            HandCase.Student(), HandCase.Teacher(), HandCase.StudentScale, HandCase.TeacherScale, new RowRange(1, 1));
        Assert.Equal(HandCase.AffinityRow1, loss.item<double>(), 12);
    }

    [Fact]
    public void EqualShardsAveragedGiveTheFullBatchLoss()
    {
        using var scope = NewDisposeScope();
        var (student, teacher) = RandomFeatures(seed: 3, count: 6);
        var full = AffinityMimickingLoss.Compute(student, teacher).item<double>();
        var shards = Enumerable.Range(0, 3)
            .Select(k => AffinityMimickingLoss.Compute(student, teacher, rows: new RowRange(2 * k, 2)).item<double>());
        Assert.Equal(full, shards.Average(), 12);
    }

    [Fact]
    public void StudentGradientsMatchCentralFiniteDifferences()
    {
        using var scope = NewDisposeScope();
        var (student, teacher) = RandomFeatures(seed: 5, count: 4);
        var image = student.Image.clone().requires_grad_();
        var text = student.Text.clone().requires_grad_();
        var logScale = tensor(Math.Log(3.0), dtype: ScalarType.Float64).requires_grad_();
        var rows = new RowRange(1, 2);
        Tensor Loss(Tensor i, Tensor t, Tensor s) => AffinityMimickingLoss.Compute(new ClipFeatures(i, t), teacher, s.exp(), tensor(4.0, dtype: ScalarType.Float64), rows);

        Loss(image, text, logScale).backward();

        FiniteDifferences.AssertGradient(image, x => Loss(x, text, logScale));
        FiniteDifferences.AssertGradient(text, x => Loss(image, x, logScale));
        FiniteDifferences.AssertGradient(logScale, x => Loss(image, text, x));
    }

    [Fact]
    public void TeacherGetsNoGradient()
    {
        using var scope = NewDisposeScope();
        var (student, teacher) = RandomFeatures(seed: 7, count: 3);
        var studentImage = student.Image.requires_grad_();
        var teacherImage = teacher.Image.requires_grad_();
        var teacherText = teacher.Text.requires_grad_();
        var teacherScale = tensor(50.0, dtype: ScalarType.Float64).requires_grad_();

        var loss = AffinityMimickingLoss.Compute(
            new ClipFeatures(studentImage, student.Text), new ClipFeatures(teacherImage, teacherText),
            tensor(50.0, dtype: ScalarType.Float64), teacherScale);
        loss.backward();

        Assert.NotNull(studentImage.grad);
        Assert.Null(teacherImage.grad);
        Assert.Null(teacherText.grad);
        Assert.Null(teacherScale.grad);
    }

    [Fact]
    public void NormalizeGivesUnitRowsInTheSameDirection()
    {
        using var scope = NewDisposeScope();
        var normalized = AffinityMimickingLoss.Normalize(tensor(new double[] { 3, 4, 0, -2 }, new long[] { 2, 2 }));
        Assert.Equal(new[] { 0.6, 0.8, 0.0, -1.0 }, normalized.data<double>().ToArray());
    }

    [Fact]
    public void RowsOutsideTheBatchAreRejected()
    {
        using var scope = NewDisposeScope();
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            AffinityMimickingLoss.Compute(HandCase.Student(), HandCase.Teacher(), rows: new RowRange(1, 2)));
    }

    internal static (ClipFeatures Student, ClipFeatures Teacher) RandomFeatures(int seed, int count)
    {
        var generator = new Generator((ulong)seed);
        ClipFeatures Random(long dim) => new(
            AffinityMimickingLoss.Normalize(randn(count, dim, dtype: ScalarType.Float64, generator: generator)),
            AffinityMimickingLoss.Normalize(randn(count, dim, dtype: ScalarType.Float64, generator: generator)));
        // Different widths: only the N x N affinities are compared.
        return (Random(3), Random(5));
    }
}
