using TinyClip.Model.Evaluation;
using TinyClip.Model.Losses;
using static TorchSharp.torch;

namespace TinyClip.Model.Tests.Evaluation;

public class ContrastiveValidationLossTests
{
    [Fact]
    public void ChunkedLossEqualsTheLossOfTheWholeSetAsOneBatch()
    {
        using var scope = NewDisposeScope();
        // 2,500 pairs: two chunks of rows (QueryChunks), the second one short.
        const int n = 2500;
        var generator = new TorchSharp.torch.Generator(5);
        var images = randn(n, 12, dtype: ScalarType.Float64, generator: generator);
        var texts = images + randn(n, 12, dtype: ScalarType.Float64, generator: generator);

        var loss = ContrastiveValidationLoss.Compute(images, texts, scale: 20.0);

        var whole = ClipContrastiveLoss.Compute(new ClipFeatures(AffinityMimickingLoss.Normalize(images), AffinityMimickingLoss.Normalize(texts)), 20.0);
        Assert.Equal(whole.item<double>(), loss, 10);
    }

    [Fact]
    public void PerfectlySeparatedPairsHaveALossNearZero()
    {
        using var scope = NewDisposeScope();
        var basis = eye(4, dtype: ScalarType.Float64);

        var loss = ContrastiveValidationLoss.Compute(basis, basis, scale: 100.0);

        // Each row's pair scores 100 against 0 for the other three: log(1 + 3 e^-100).
        Assert.Equal(Math.Log(1 + 3 * Math.Exp(-100)), loss, 12);
    }
}
