using TinyClip.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace TinyClip.Model.Tests.Inheritance;

public class MaskedStudentTests
{
    [Fact]
    public void A_training_step_is_reproducible_from_the_seed_and_reaches_every_mask_family()
    {
        var config = TestModels.Tiny;
        using var model = ClipModel.Create(config, seed: 2);
        using var student = MaskedStudent.Create(model, new MaskSettings(new SparsityRamp(0, 0.5, 10)));
        // Log-alpha 0: samples are mixed (P(z>0) = 0.83), so both zero and non-zero entries occur.
        foreach (var (_, p) in student.MaskParameters) using (no_grad()) p.zero_();
        using var scope = NewDisposeScope();
        var images = TestModels.Images(config, 2, 1);
        var tokens = TestModels.Tokens(config, [5, 15], 2);
        (Tensor Image, Tensor Text) Forward(ulong seed)
        {
            using var g = new Generator(seed);
            var masks = student.SampleMasks(g);
            return (model.EncodeImage(images, masks.Image), model.EncodeText(tokens, masks.Text));
        }
        var (image, text) = Forward(3);
        Assert.True(TestModels.BitwiseEqual(image, Forward(3).Image));
        Assert.False(TestModels.BitwiseEqual(image, Forward(4).Image));

        var penalty = student.Penalty(step: 10);
        Assert.Equal(0.5, penalty.TargetSparsity);
        (image.square().mean() + text.square().mean() + penalty.Loss).backward();
        foreach (var (name, p) in student.MaskParameters.Concat(student.LambdaParameters))
            Assert.True(p.grad is not null && p.grad.abs().sum().item<float>() > 0, $"{name} got no gradient");
        Assert.True(model.named_parameters().First(p => p.name == "visual.proj").parameter.grad!.abs().sum().item<float>() > 0);
    }
}
