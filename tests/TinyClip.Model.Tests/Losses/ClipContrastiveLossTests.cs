using TinyClip.Model.Losses;
using static TorchSharp.torch;

namespace TinyClip.Model.Tests.Losses;

public class ClipContrastiveLossTests
{
    [Fact]
    public void HandCaseValue()
    {
        using var scope = NewDisposeScope();
        var loss = ClipContrastiveLoss.Compute(HandCase.Student(), HandCase.StudentScale);
        Assert.Equal(HandCase.ClipFull, loss.item<double>(), 12);
    }

    [Fact]
    public void RowsFormLabelsAreOffsetByRowOffset()
    {
        using var scope = NewDisposeScope();
        var loss = ClipContrastiveLoss.Compute(HandCase.Student(), HandCase.StudentScale, new RowRange(1, 1));
        Assert.Equal(HandCase.ClipRow1, loss.item<double>(), 12);
    }

    [Fact]
    public void LearnableScaleReceivesAGradient()
    {
        using var scope = NewDisposeScope();
        var logScale = tensor(Math.Log(HandCase.StudentScale), dtype: ScalarType.Float64).requires_grad_();
        var loss = ClipContrastiveLoss.Compute(HandCase.Student(), logScale.exp());
        loss.backward();
        Assert.Equal(HandCase.ClipFull, loss.item<double>(), 12);
        Assert.NotEqual(0.0, logScale.grad!.item<double>());
    }
}
