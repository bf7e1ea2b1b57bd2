using TinyClip.Model;
using static TorchSharp.torch;

namespace TinyClip.Model.Tests.Inheritance;

public class PruningTests
{
    [Fact]
    public void Pruned_model_computes_what_the_deterministically_masked_model_computes()
    {
        var config = TestModels.Tiny;
        using var model = ClipModel.Create(config, seed: 4);
        using var student = MaskedTiny.Create(model);
        using var pruned = student.Prune();
        using var scope = NewDisposeScope();
        var v = pruned.Config.Vision.Tower;
        var t = pruned.Config.Text.Tower;
        Assert.InRange(v.Width, 1, config.Vision.Width - 1);
        Assert.InRange(t.Width, 1, config.Text.Width - 1);
        Assert.Equal(0, v.Blocks[0].MlpWidth);
        Assert.Equal(0, t.Blocks[1].Heads);
        Assert.Equal(config.Vision.HeadWidth, v.HeadWidth);

        var images = TestModels.Images(config, 3, 1);
        var tokens = TestModels.Tokens(config, [5, 15, 9], 2);
        var masks = student.DeterministicMasks();
        var maskedImage = model.EncodeImage(images, masks.Image);
        var maskedText = model.EncodeText(tokens, masks.Text);
        Assert.True(MaskedTiny.MaxDifference(maskedImage, model.EncodeImage(images)) > 1e-2, "the masks should change the image output");
        Assert.True(MaskedTiny.MaxDifference(maskedText, model.EncodeText(tokens)) > 1e-2, "the masks should change the text output");
        Assert.True(MaskedTiny.MaxDifference(maskedImage, pruned.EncodeImage(images)) < 1e-5);
        Assert.True(MaskedTiny.MaxDifference(maskedText, pruned.EncodeText(tokens)) < 1e-5);
    }

    [Fact]
    public void A_hidden_mask_of_ones_changes_nothing()
    {
        using var model = ClipModel.Create(TestModels.Tiny, seed: 4);
        using var scope = NewDisposeScope();
        var images = TestModels.Images(TestModels.Tiny, 2, 1);
        var masked = model.EncodeImage(images, new TowerMasks(null, null, ones(TestModels.Tiny.Vision.Width)));
        Assert.True(MaskedTiny.MaxDifference(masked, model.EncodeImage(images)) < 1e-5);
    }

    [Fact]
    public void Heterogeneous_pruned_model_saves_and_loads_from_shapes_alone()
    {
        using var model = ClipModel.Create(TestModels.Tiny, seed: 4);
        using var student = MaskedTiny.Create(model);
        using var pruned = student.Prune();
        var path = TestModels.TempFile(".safetensors");
        try
        {
            ClipCheckpoint.Save(pruned, path);
            using var loaded = ClipCheckpoint.LoadModel(path);
            using var scope = NewDisposeScope();
            Assert.Equal(pruned.Config, loaded.Config);
            var images = TestModels.Images(TestModels.Tiny, 2, 1);
            var tokens = TestModels.Tokens(TestModels.Tiny, [5, 15], 2);
            Assert.True(TestModels.BitwiseEqual(pruned.EncodeImage(images), loaded.EncodeImage(images)));
            Assert.True(TestModels.BitwiseEqual(pruned.EncodeText(tokens), loaded.EncodeText(tokens)));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Kept_structure_reports_what_pruning_produces()
    {
        using var model = ClipModel.Create(TestModels.Tiny, seed: 4);
        using var student = MaskedTiny.Create(model);
        var structure = student.KeptStructure();
        using var pruned = student.Prune();
        var counts = pruned.ParameterCounts();
        Assert.Equal(("image", pruned.Config.Vision.Width, counts.Image), (structure[0].Tower, structure[0].HiddenWidth, structure[0].ParametersAfter));
        Assert.Equal(("text", pruned.Config.Text.Width, counts.Text), (structure[1].Tower, structure[1].HiddenWidth, structure[1].ParametersAfter));
        Assert.Equal(pruned.Config.Vision.Tower.Blocks.Select(b => b.Heads), structure[0].HeadsPerLayer);
        Assert.Equal(pruned.Config.Text.Tower.Blocks.Select(b => b.MlpWidth), structure[1].MlpWidthPerLayer);
        Assert.Equal(model.ParameterCounts().Image, structure[0].ParametersBefore);
    }

    [Fact]
    public void Pruned_size_lands_within_two_percent_of_the_target_sparsity()
    {
        // Both towers: C 64, 2 layers, 4 heads of 16, MLP 256. Keep 56 hidden dims, 2 heads and 128 neurons per layer.
        var config = new ClipConfig(16,
            new VisionConfig(16, 8, TowerShape.Uniform(64, 2, 4, 16, 256)),
            new TextConfig(8, 50, TowerShape.Uniform(64, 2, 4, 16, 256)));
        const double target = 0.565;
        using var model = ClipModel.Create(config, seed: 8);
        using var student = MaskedStudent.Create(model, new MaskSettings(new SparsityRamp(0, target, 10)));
        using var scope = NewDisposeScope();
        static Tensor Leading(long[] shape, long kept)
        {
            var logAlpha = full(shape, -10f);
            logAlpha.narrow(-1, 0, kept).fill_(10);
            return logAlpha;
        }
        foreach (var tower in new[] { student.Image, student.Text })
        {
            tower.Hidden.Set(Leading(tower.Hidden.Shape, 56));
            tower.Heads.Set(Leading(tower.Heads.Shape, 2));
            tower.Intermediate.Set(Leading(tower.Intermediate.Shape, 128));
        }
        // p = 1 - 56 (4160/64 * 4 + 2 * 512) / (2 * 49728) per tower = 1 - 43232/99456 = 0.5653.
        Assert.InRange(student.ExpectedSparsity().item<float>(), target - 0.001, target + 0.001);

        using var pruned = student.Prune();
        long remaining = pruned.named_parameters()
            .Where(p => p.name.Contains(".resblocks.") && !p.name.Contains(".ln_"))
            .Sum(p => p.parameter.numel());
        double prunable = student.Image.PrunableSize + student.Text.PrunableSize;
        Assert.InRange(remaining / prunable, (1 - target) * 0.98, (1 - target) * 1.02);
    }
}
