using static TorchSharp.torch;

namespace TinyClip.Model.Tests;

/// <summary>
/// A checkpointed forward keeps only each block's input and recomputes the block in the backward: the outputs and every
/// gradient (weights, and masks computed from parameters outside the blocks) equal a plain forward's.
/// </summary>
public class ActivationCheckpointTests
{
    private sealed record Gradients(Tensor Image, Tensor Text, Dictionary<string, Tensor> Parameters, Tensor MaskLogits);

    private static Gradients Run(bool checkpoint, bool withMasks)
    {
        var config = TestModels.Tiny;
        var model = ClipModel.Create(config, seed: 21);
        model.CheckpointActivations = checkpoint;
        using var g = new Generator(4);
        // Masks as the auto stage makes them: functions of parameters outside the blocks, so their gradients cross the
        // checkpoints into the outer graph.
        var maskLogits = randn([2 * 2 + 2 * 128 + 32], generator: g).requires_grad_();
        var probabilities = maskLogits.sigmoid();
        TowerMasks? masks = withMasks
            ? new TowerMasks(probabilities.narrow(0, 0, 4).view(2, 2), probabilities.narrow(0, 4, 256).view(2, 128), probabilities.narrow(0, 260, 32))
            : null;
        var images = TestModels.Images(config, 3, 5);
        var tokens = TestModels.Tokens(config, [4, 7, 2], 6);
        var image = model.EncodeImage(images, masks);
        var text = model.EncodeText(tokens, masks);
        // A loss that mixes rows, as the contrastive losses do.
        var loss = image.matmul(text.t()).tanh().sum() + image.pow(2).sum() * 0.1;
        loss.backward();
        return new Gradients(image.detach(), text.detach(),
            model.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad?.clone() ?? zeros_like(p.parameter)),
            maskLogits.grad?.clone() ?? zeros(1));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Checkpointed_blocks_give_the_plain_outputs_and_gradients(bool withMasks)
    {
        using var scope = NewDisposeScope();
        var plain = Run(checkpoint: false, withMasks);
        var checkpointed = Run(checkpoint: true, withMasks);
        Assert.True(TestModels.BitwiseEqual(plain.Image, checkpointed.Image), "image features differ");
        Assert.True(TestModels.BitwiseEqual(plain.Text, checkpointed.Text), "text features differ");
        Assert.Equal(plain.Parameters.Keys, checkpointed.Parameters.Keys);
        foreach (var (name, expected) in plain.Parameters)
        {
            var difference = (expected - checkpointed.Parameters[name]).abs().max().item<float>();
            Assert.True(difference <= 1e-6 * Math.Max(1, expected.abs().max().item<float>()), $"{name}: gradients differ by {difference}");
            Assert.True(expected.abs().max().item<float>() > 0 || name.Contains("logit_scale"), $"{name}: no gradient at all");
        }
        if (withMasks)
        {
            var difference = (plain.MaskLogits - checkpointed.MaskLogits).abs().max().item<float>();
            Assert.True(difference <= 1e-6, $"mask gradients differ by {difference}");
            Assert.True(plain.MaskLogits.abs().max().item<float>() > 0);
        }
    }

    [Fact]
    public void Without_a_graph_the_checkpointed_model_is_the_plain_model()
    {
        using var scope = NewDisposeScope();
        using var model = ClipModel.Create(TestModels.Tiny, seed: 22);
        var images = TestModels.Images(TestModels.Tiny, 2, 8);
        using var noGrad = no_grad();
        var plain = model.EncodeImage(images);
        model.CheckpointActivations = true;
        Assert.True(TestModels.BitwiseEqual(plain, model.EncodeImage(images)));
    }

    [Fact]
    public void The_piece_runs_again_in_the_backward_and_its_gradients_match_the_formula()
    {
        using var scope = NewDisposeScope();
        var weight = tensor(new[] { 0.5f, -1.5f, 2f }).requires_grad_();
        var x = tensor(new[] { 0.3f, 0.7f, -0.2f }).requires_grad_();
        var scale = tensor(new[] { 2f, 1f, 3f }); // no gradient wanted: gets none
        int runs = 0;
        var y = ActivationCheckpoint.Run(inputs => { runs++; return (inputs[0]! * weight).sin() * inputs[2]!; }, x, null, scale);
        Assert.Equal(1, runs);
        y.sum().backward();
        Assert.Equal(2, runs); // recomputed once, in the backward
        // d/dx sum(sin(x w) s) = cos(x w) w s; d/dw = cos(x w) x s.
        var cos = (x.detach() * weight.detach()).cos();
        Assert.True(x.grad!.allclose(cos * weight.detach() * scale, rtol: 1e-6, atol: 1e-7));
        Assert.True(weight.grad!.allclose(cos * x.detach() * scale, rtol: 1e-6, atol: 1e-7));
        Assert.Null(scale.grad);
    }
}
