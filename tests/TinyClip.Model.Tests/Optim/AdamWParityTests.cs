using TinyClip.Model.Optim;
using TorchSharp;
using Parameter = TorchSharp.Modules.Parameter;
using static TorchSharp.torch;

namespace TinyClip.Model.Tests.Optim;

/// <summary>
/// Our AdamW (written here for its checkpointable state) takes the same steps as TorchSharp's own torch.optim.AdamW:
/// bias correction from the first step, decoupled weight decay on one group and none on the other, a learning rate
/// that changes every step.
/// </summary>
public class AdamWParityTests
{
    private const double Beta1 = 0.9, Beta2 = 0.98, Epsilon = 1e-6, Decay = 0.2;

    [Fact]
    public void Steps_equal_torch_optim_AdamW()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(17);
        var initialDecayed = randn([4, 3], generator: generator);
        var initialPlain = randn([5], generator: generator);
        Parameter Copy(Tensor t) => new(t.clone(), requires_grad: true);
        var (oursDecayed, oursPlain) = (Copy(initialDecayed), Copy(initialPlain));
        var (theirsDecayed, theirsPlain) = (Copy(initialDecayed), Copy(initialPlain));

        using var ours = new TinyClip.Model.Optim.AdamW([new ParameterGroup("decay", [("w", oursDecayed)], Decay), new ParameterGroup("no-decay", [("b", oursPlain)], 0)],
            Beta1, Beta2, Epsilon);
        // One torch optimiser per weight-decay setting: each parameter's update depends on its own state only.
        var theirs = new[]
        {
            torch.optim.AdamW([theirsDecayed], lr: 1.0, beta1: Beta1, beta2: Beta2, eps: Epsilon, weight_decay: Decay),
            torch.optim.AdamW([theirsPlain], lr: 1.0, beta1: Beta1, beta2: Beta2, eps: Epsilon, weight_decay: 0),
        };

        double[] learningRates = [1e-3, 5e-3, 2e-2, 1e-2, 1e-4, 3e-3];
        foreach (var learningRate in learningRates)
        {
            var gradientDecayed = randn([4, 3], generator: generator) * 3;
            var gradientPlain = randn([5], generator: generator);
            foreach (var (parameter, gradient) in new[] { (oursDecayed, gradientDecayed), (theirsDecayed, gradientDecayed), (oursPlain, gradientPlain), (theirsPlain, gradientPlain) })
            {
                parameter.grad?.zero_();
                parameter.grad = gradient.clone();
            }
            ours.Step(learningRate);
            foreach (var optimizer in theirs)
            {
                foreach (var group in optimizer.ParamGroups) group.LearningRate = learningRate;
                optimizer.step();
            }
            AssertClose(theirsDecayed, oursDecayed);
            AssertClose(theirsPlain, oursPlain);
        }
        Assert.True((oursDecayed - initialDecayed).abs().max().item<float>() > 1e-2); // the weights really moved
        Assert.Equal(learningRates.Length, ours.StepCount);
    }

    private static void AssertClose(Tensor expected, Tensor actual)
    {
        var difference = (expected - actual).abs().max().item<float>();
        Assert.True(difference <= 1e-6, $"weights differ from torch.optim.AdamW by {difference}");
    }
}
