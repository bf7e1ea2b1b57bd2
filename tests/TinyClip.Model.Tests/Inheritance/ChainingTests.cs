using TinyClip.Model;
using static TorchSharp.torch;

namespace TinyClip.Model.Tests.Inheritance;

public class ChainingTests
{
    static readonly MaskSettings NextStage = new(new SparsityRamp(0.25, 0.5, 100));

    [Fact]
    public void Expanded_model_holds_the_pruned_weights_in_its_leading_slices_with_matching_log_alphas()
    {
        var config = TestModels.Tiny;
        using var model = ClipModel.Create(config, seed: 4);
        using var stage1 = MaskedTiny.Create(model);
        using var pruned = stage1.Prune();
        using var stage2 = MaskedStudent.ExpandIntoMasked(pruned, config, NextStage, seed: 5);
        using var expanded = stage2.Model;
        using var scope = NewDisposeScope();
        Assert.Equal(config, expanded.Config);

        var p = pruned.StateDictForSave();
        var e = expanded.StateDictForSave();
        var v = pruned.Config.Vision.Tower;
        int h = v.Blocks[1].Heads, k = v.Width, d = v.HeadWidth;
        var inProj = e["visual.transformer.resblocks.1.attn.in_proj_weight"].view(3, config.Vision.Heads, d, config.Vision.Width);
        Assert.True(TestModels.BitwiseEqual(inProj.narrow(1, 0, h).narrow(3, 0, k).contiguous(),
            p["visual.transformer.resblocks.1.attn.in_proj_weight"].view(3, h, d, k)));
        Assert.True(TestModels.BitwiseEqual(e["token_embedding.weight"].narrow(1, 0, pruned.Config.Text.Width).contiguous(), p["token_embedding.weight"]));

        // Log-alpha: +10 on the leading (kept) entries, -10 on the rest; lambdas back at 10.
        var hidden = stage2.Image.Hidden.LogAlpha;
        Assert.Equal(10f, hidden.narrow(0, 0, k).min().item<float>());
        Assert.Equal(-10f, hidden.narrow(0, k, config.Vision.Width - k).max().item<float>());
        Assert.Equal(-10f, stage2.Image.Intermediate.LogAlpha[0].max().item<float>());
        Assert.Equal(new[] { 10f, 10f }, new[] { stage2.Lagrangian.Lambda1.item<float>(), stage2.Lagrangian.Lambda2.item<float>() });
        Assert.Equal(pruned.Config, StructuredPruner.PrunedConfig(config, stage2.DeterministicMasks()));
    }

    [Fact]
    public void Expanded_masked_model_computes_what_the_pruned_model_computes()
    {
        var config = TestModels.Tiny;
        using var model = ClipModel.Create(config, seed: 4);
        using var stage1 = MaskedTiny.Create(model);
        using var pruned = stage1.Prune();
        using var stage2 = MaskedStudent.ExpandIntoMasked(pruned, config, NextStage, seed: 5);
        using var expanded = stage2.Model;
        using var scope = NewDisposeScope();
        var images = TestModels.Images(config, 2, 1);
        var tokens = TestModels.Tokens(config, [5, 15], 2);
        var masks = stage2.DeterministicMasks();
        // Kept entries of the new deterministic masks are sigmoid(12) = 0.999994, not 1: close, not bitwise.
        var expectedImage = pruned.EncodeImage(images);
        var expectedText = pruned.EncodeText(tokens);
        Assert.True(MaskedTiny.MaxDifference(expanded.EncodeImage(images, masks.Image), expectedImage) < 1e-3 * expectedImage.abs().max().item<float>());
        Assert.True(MaskedTiny.MaxDifference(expanded.EncodeText(tokens, masks.Text), expectedText) < 1e-3 * expectedText.abs().max().item<float>());
    }

    [Fact]
    public void A_full_config_narrower_than_the_pruned_model_is_a_clear_error()
    {
        using var model = ClipModel.Create(TestModels.Tiny, seed: 4);
        using var stage1 = MaskedTiny.Create(model);
        using var pruned = stage1.Prune();
        var narrow = TestModels.Tiny with { Vision = TestModels.Tiny.Vision with { Tower = TowerShape.Uniform(8, 2, 2, 16, 128) } };
        var error = Assert.Throws<ArgumentException>(() => MaskedStudent.ExpandIntoMasked(pruned, narrow, NextStage, seed: 5));
        Assert.Contains("image tower width", error.Message);
    }
}
