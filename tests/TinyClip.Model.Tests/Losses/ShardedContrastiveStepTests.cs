using TinyClip.Model.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace TinyClip.Model.Tests.Losses;

/// <summary>
/// W trainers, each holding a slice of the N rows (equal b = N / W, or uneven) and a replica of the same student and teacher, must produce
/// the loss and (after the reduction the step class prescribes) the parameter gradients of one trainer
/// that holds the whole batch. Gather and all-reduce are plain cat and sum here, run in one thread.
/// </summary>
public class ShardedContrastiveStepTests
{
    private const int BatchSize = 6;
    private const long StudentWidth = 6;
    private const long TeacherWidth = 8;
    private const double Tolerance = 1e-5;

    [Theory]
    [InlineData(new[] { 3, 3 }, 1.0, false)]
    [InlineData(new[] { 2, 2, 2 }, 1.0, false)]
    [InlineData(new[] { 3, 3 }, 0.5, true)]
    [InlineData(new[] { 2, 2, 2 }, 0.5, true)]
    [InlineData(new[] { 2, 2, 2 }, 0.0, true)]
    [InlineData(new[] { 1, 2, 3 }, 0.5, true)]
    public void ShardsReproduceTheSingleTrainerLossAndGradients(int[] shardSizes, double alpha, bool learnableScale)
    {
        using var scope = NewDisposeScope();
        var objective = new DistillationObjective(new DistillationSettings(Alpha: alpha, LearnableStudentScale: learnableScale));
        var (images, tokens) = Batch();
        var student = StandInTowers.Create(StudentWidth, Math.Log(10.0), seed: 11);
        var teacher = StandInTowers.Create(TeacherWidth, Math.Log(50.0), seed: 12);
        var replicas = shardSizes.Select(_ => student.Copy()).ToList();

        var (referenceLoss, referenceGradients) = SingleTrainer(objective, student, teacher, images, tokens);
        var (shardLosses, reducedGradients) = Sharded(objective, replicas, shardSizes, teacher, images, tokens);

        Assert.All(shardLosses, loss => Assert.Equal(referenceLoss, loss, Tolerance));
        for (var p = 0; p < referenceGradients.Count; p++)
        {
            var expected = referenceGradients[p];
            var largest = Math.Max(1.0, expected.abs().max().ToDouble());
            var difference = (reducedGradients[p] - expected).abs().max().ToDouble();
            Assert.True(difference <= Tolerance * largest, $"parameter {p}: max |difference| {difference}");
        }
        if (learnableScale)
            Assert.True(Math.Abs(referenceGradients[^1].ToDouble()) > 1e-4, "the scale gradient must be non-trivial");
    }

    [Fact]
    public void WrongRowOffsetIsRejected()
    {
        using var scope = NewDisposeScope();
        var objective = new DistillationObjective(new DistillationSettings(Alpha: 0.0));
        var (images, tokens) = Batch();
        var student = StandInTowers.Create(StudentWidth, 0.0, seed: 11);
        var local = student.Encode(images.narrow(0, 0, 3), tokens.narrow(0, 0, 3));
        var gathered = student.Encode(images, tokens).Detach();

        var step = new ShardedContrastiveStep(objective);
        Assert.Throws<ArgumentException>(() => step.Run(local, rowOffset: 3, gathered, gatheredTeacher: null));
    }

    // The reference: the ordinary full-batch loss and backward, without the step class.
    private static (double Loss, List<Tensor> Gradients) SingleTrainer(
        DistillationObjective objective, StandInTowers student, StandInTowers teacher, Tensor images, Tensor tokens)
    {
        var teacherFeatures = TeacherFeatures(teacher, images, tokens);
        var value = objective.Compute(student.Encode(images, tokens), teacherFeatures, student.LogitScale, teacher.LogitScale);
        value.Loss.backward();
        return (value.Loss.ToDouble(), Gradients(student));
    }

    private static (List<double> Losses, List<Tensor> Gradients) Sharded(
        DistillationObjective objective, List<StandInTowers> replicas, int[] shardSizes, StandInTowers teacher, Tensor images, Tensor tokens)
    {
        var offsets = shardSizes.Select((_, k) => shardSizes.Take(k).Sum()).ToArray();
        Tensor Rows(Tensor batch, int k) => batch.narrow(0, offsets[k], shardSizes[k]);
        var local = replicas.Select((replica, k) => replica.Encode(Rows(images, k), Rows(tokens, k))).ToList();
        var localTeacher = replicas.Select((_, k) => TeacherFeatures(teacher, Rows(images, k), Rows(tokens, k))).ToList();

        // The all-gather, in rank order.
        var gathered = new ClipFeatures(cat(local.Select(f => f.Image.detach()).ToList(), 0), cat(local.Select(f => f.Text.detach()).ToList(), 0));
        var gatheredTeacher = new ClipFeatures(cat(localTeacher.Select(f => f.Image).ToList(), 0), cat(localTeacher.Select(f => f.Text).ToList(), 0));

        var losses = new List<double>();
        GradientReduction? reduction = null;
        for (var k = 0; k < replicas.Count; k++)
        {
            var step = new ShardedContrastiveStep(objective);
            var result = step.Run(local[k], offsets[k], gathered, gatheredTeacher, replicas[k].LogitScale, teacher.LogitScale);
            losses.Add(result.Loss);
            reduction = ShardedContrastiveStep.ParameterGradientReduction;
        }

        // The all-reduce, with the rule the step class states.
        var perTrainer = replicas.Select(Gradients).ToList();
        var reduced = Enumerable.Range(0, perTrainer[0].Count).Select(p =>
        {
            var sum = stack(perTrainer.Select(g => g[p]).ToList()).sum(dim: 0);
            return reduction == GradientReduction.Mean ? sum / replicas.Count : sum;
        }).ToList();
        return (losses, reduced);
    }

    private static ClipFeatures TeacherFeatures(StandInTowers teacher, Tensor images, Tensor tokens)
    {
        using var noGrad = no_grad();
        return teacher.Encode(images, tokens);
    }

    // A parameter the loss did not reach (a fixed logit scale) counts as a zero gradient.
    private static List<Tensor> Gradients(StandInTowers towers) =>
        towers.Parameters().Select(p => p.grad is null ? zeros_like(p) : p.grad.clone()).ToList();

    private static (Tensor Images, Tensor Tokens) Batch()
    {
        var generator = new Generator(2024);
        var images = randn(new long[] { BatchSize, 3, 4, 4 }, generator: generator);
        var tokens = randint(StandInTowers.Vocabulary, new long[] { BatchSize, 5 }, generator: generator);
        return (images, tokens);
    }
}
