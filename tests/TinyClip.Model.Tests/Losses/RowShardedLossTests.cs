using TinyClip.Model.Losses;
using static TorchSharp.torch;

namespace TinyClip.Model.Tests.Losses;

/// <summary>
/// W trainers each computing the loss rows of their own samples, their parts summed (the all-reduce, here a plain sum),
/// give the whole loss and each trainer's rows of its gradient, with no trainer building the N x N matrices; taking a
/// trainer's rows a few at a time (blocks, the last one shorter) gives the same.
/// </summary>
public class RowShardedLossTests
{
    private const int N = 7, StudentWidth = 5, TeacherWidth = 6;

    private static ClipFeatures Features(int width, int seed)
    {
        var generator = new TorchSharp.torch.Generator((ulong)seed);
        return new ClipFeatures(AffinityMimickingLoss.Normalize(randn(new long[] { N, width }, generator: generator)),
            AffinityMimickingLoss.Normalize(randn(new long[] { N, width }, generator: generator)));
    }

    [Theory]
    [InlineData(new[] { 7 }, 1.0, false, 0)]
    [InlineData(new[] { 4, 3 }, 1.0, false, 0)]
    [InlineData(new[] { 1, 2, 4 }, 0.5, true, 0)]
    [InlineData(new[] { 3, 3, 1 }, 0.0, true, 0)]
    [InlineData(new[] { 7 }, 1.0, false, 3)] // the whole loss in blocks of 3, 3 and 1 rows (gradient caching on one trainer)
    [InlineData(new[] { 7 }, 0.5, true, 1)]
    [InlineData(new[] { 4, 3 }, 0.5, true, 2)]
    [InlineData(new[] { 1, 2, 4 }, 1.0, false, 3)]
    public void Row_shards_add_up_to_the_whole_loss_and_its_gradient(int[] shards, double alpha, bool learnableScale, int rowsAtOnce)
    {
        using var scope = NewDisposeScope();
        var objective = new DistillationObjective(new DistillationSettings(Alpha: alpha, LearnableStudentScale: learnableScale));
        var student = Features(StudentWidth, 1);
        var teacher = Features(TeacherWidth, 2);
        var logitScale = tensor(MathF.Log(20f));
        var (whole, wholeGradients) = new ShardedContrastiveStep(objective).FeatureGradients(student, 0, student, teacher, logitScale);

        var sharded = new RowShardedLoss(objective);
        var offsets = shards.Select((_, k) => (long)shards.Take(k).Sum()).ToArray();
        var buffers = shards.Select((rows, k) => sharded.Contribution(offsets[k], rows, student, teacher, logitScale, rowsAtOnce: rowsAtOnce)).ToList();
        var summed = buffers.Aggregate((a, b) => a.Zip(b, (x, y) => x + y).ToArray());

        for (var k = 0; k < shards.Length; k++)
        {
            var (result, gradients) = sharded.Finish(summed, offsets[k], shards[k], student);
            Assert.Equal(whole.Loss, result.Loss, 1e-5);
            Assert.Equal(whole.Clip, result.Clip, 1e-5);
            if (alpha > 0) Assert.Equal(whole.Distill, result.Distill, 1e-5);
            AssertClose(wholeGradients!.Image.narrow(0, offsets[k], shards[k]), gradients!.Image);
            AssertClose(wholeGradients.Text.narrow(0, offsets[k], shards[k]), gradients.Text);
            if (learnableScale) AssertClose(k == 0 ? wholeGradients.Scale! : zeros_like(wholeGradients.Scale!), gradients.Scale!);
        }
    }

    private static void AssertClose(Tensor expected, Tensor actual)
    {
        var difference = (expected - actual).abs().max().item<float>();
        Assert.True(difference <= 1e-5, $"gradients differ by {difference}");
    }
}
