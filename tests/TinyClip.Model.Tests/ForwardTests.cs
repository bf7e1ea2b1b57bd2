using TinyClip.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace TinyClip.Model.Tests;

public class ForwardTests
{
    [Fact]
    public void Encoders_return_unnormalised_embeddings_of_embed_dim()
    {
        using var model = ClipModel.Create(TestModels.Tiny, seed: 3);
        using var scope = NewDisposeScope();
        var image = model.EncodeImage(TestModels.Images(TestModels.Tiny, 3, 1));
        var text = model.EncodeText(TestModels.Tokens(TestModels.Tiny, [4, 9], 2));
        Assert.Equal([3L, 32], image.shape);
        Assert.Equal([2L, 32], text.shape);
        Assert.False(image.norm(1).allclose(ones(3)));
        Assert.True(image.isfinite().all().item<bool>() && text.isfinite().all().item<bool>());
        Assert.Equal(Math.Log(1 / 0.07), model.LogitScale.item<float>(), 5);
    }

    [Fact]
    public void Text_is_pooled_at_the_highest_token_id()
    {
        using var model = ClipModel.Create(TestModels.Tiny, seed: 3);
        using var scope = NewDisposeScope();
        var tokens = TestModels.Tokens(TestModels.Tiny, [5], 4);
        var baseline = model.EncodeText(tokens);

        // Tokens after the end-of-text position cannot reach it (causal) and the pooled row is that position:
        // changing them must not change the embedding.
        var after = tokens.clone();
        after[0, 6] = tensor(7L);
        after[0, 15] = tensor(11L);
        Assert.True(TestModels.BitwiseEqual(baseline, model.EncodeText(after)), "pooled row depends on tokens after end-of-text");

        // A token before it does reach it.
        var before = tokens.clone();
        before[0, 4] = (before[0, 4] + 1) % (TestModels.Tiny.Text.VocabSize - 1);
        Assert.False(model.EncodeText(before).allclose(baseline), "pooled row ignores the token before end-of-text");

        // Moving the end-of-text token moves the pooled position.
        var moved = TestModels.Tokens(TestModels.Tiny, [8], 4);
        Assert.False(model.EncodeText(moved).allclose(baseline));
    }

    [Fact]
    public void Same_seed_gives_the_same_model_and_another_seed_does_not()
    {
        using var a = ClipModel.Create(TestModels.Tiny, seed: 42);
        using var b = ClipModel.Create(TestModels.Tiny, seed: 42);
        using var c = ClipModel.Create(TestModels.Tiny, seed: 43);
        var sa = a.state_dict();
        var sb = b.state_dict();
        var sc = c.state_dict();
        Assert.All(sa.Keys, k => Assert.True(TestModels.BitwiseEqual(sa[k], sb[k]), k));
        Assert.False(TestModels.BitwiseEqual(sa["visual.proj"], sc["visual.proj"]));
    }

    /// <remarks>Trainers of one process build their students at the same time on different threads: a value drawn from
    /// libtorch's global generator would depend on how their draws interleave.</remarks>
    [Theory]
    [InlineData("tiny-test")]
    [InlineData("demo-teacher")]
    public void Same_seed_gives_the_same_model_whatever_the_global_generator_holds(string preset)
    {
        var config = ClipPresets.Get(preset);
        manual_seed(1);
        using var a = ClipModel.Create(config, seed: 42);
        manual_seed(2);
        using var b = ClipModel.Create(config, seed: 42);
        var sa = a.state_dict();
        var sb = b.state_dict();
        Assert.All(sa.Keys, k => Assert.True(TestModels.BitwiseEqual(sa[k], sb[k]), k));
    }

    [Fact]
    public void Init_follows_OpenClips_schedule()
    {
        // demo-teacher's tensors are large enough for sample standard deviations within a few percent.
        var config = ClipPresets.Get("demo-teacher");
        using var model = ClipModel.Create(config, seed: 5);
        var s = model.state_dict();
        void Std(double expected, string key) =>
            Assert.InRange(s[key].std().item<float>(), expected * 0.95, expected * 1.05);
        Std(0.02, "token_embedding.weight");
        Std(0.01, "positional_embedding");
        Std(Math.Pow(128, -0.5), "text_projection");
        Std(Math.Pow(192, -0.5), "visual.proj");
        Std(Math.Pow(128, -0.5), "transformer.resblocks.0.attn.in_proj_weight");
        Std(Math.Pow(128, -0.5) * Math.Pow(2 * 4, -0.5), "transformer.resblocks.0.mlp.c_proj.weight");
        Std(Math.Pow(2 * 128, -0.5), "transformer.resblocks.0.mlp.c_fc.weight");
        Assert.Equal(0.0, s["visual.transformer.resblocks.0.attn.in_proj_bias"].abs().max().item<float>());
        Assert.Equal(1.0, s["visual.ln_pre.weight"].mean().item<float>());
    }

    [Fact]
    public void QuickGelu_changes_the_function()
    {
        using var gelu = ClipModel.Create(TestModels.Tiny, seed: 9);
        using var quick = ClipModel.Create(TestModels.Tiny with { QuickGelu = true }, seed: 9);
        using var scope = NewDisposeScope();
        var images = TestModels.Images(TestModels.Tiny, 2, 3);
        Assert.False(gelu.EncodeImage(images).allclose(quick.EncodeImage(images)));
    }

    [Fact]
    public void Head_mask_equals_removing_that_heads_columns_from_out_proj()
    {
        using var model = ClipModel.Create(TestModels.Tiny, seed: 11);
        using var scope = NewDisposeScope();
        var images = TestModels.Images(TestModels.Tiny, 2, 5);
        // Layer 0 keeps head 0 only; layer 1 keeps both heads at half strength.
        var heads = tensor(new float[,] { { 1, 0 }, { 0.5f, 0.5f } });
        var masked = model.EncodeImage(images, new TowerMasks(heads, null));

        var state = model.StateDictForSave();
        using (no_grad())
        {
            state["visual.transformer.resblocks.0.attn.out_proj.weight"].narrow(1, 16, 16).zero_();
            state["visual.transformer.resblocks.1.attn.out_proj.weight"].mul_(0.5);
        }
        using var edited = ClipModel.FromStateDict(state, ArchitectureHints.From(TestModels.Tiny));
        Assert.True(masked.allclose(edited.EncodeImage(images), rtol: 1e-5, atol: 1e-6));
        Assert.False(masked.allclose(model.EncodeImage(images)));
    }

    [Fact]
    public void Intermediate_mask_scales_mlp_hidden_units()
    {
        using var model = ClipModel.Create(TestModels.Tiny, seed: 12);
        using var scope = NewDisposeScope();
        var tokens = TestModels.Tokens(TestModels.Tiny, [6, 3], 6);
        var keep = ones(2, 128);
        keep[1].narrow(0, 0, 64).zero_();
        var masked = model.EncodeText(tokens, new TowerMasks(null, keep));

        var state = model.StateDictForSave();
        using (no_grad()) state["transformer.resblocks.1.mlp.c_proj.weight"].narrow(1, 0, 64).zero_();
        using var edited = ClipModel.FromStateDict(state, ArchitectureHints.From(TestModels.Tiny));
        Assert.True(masked.allclose(edited.EncodeText(tokens), rtol: 1e-5, atol: 1e-6));
        Assert.False(masked.allclose(model.EncodeText(tokens)));
    }

    [Fact]
    public void Moving_the_model_moves_the_parameters_its_forward_uses()
    {
        // Module.to replaces parameters; the forward reads fields, so the fields must follow (GPU moves rely on it).
        using var model = ClipModel.Create(TestModels.Tiny, seed: 1);
        using var scope = NewDisposeScope();
        var images = TestModels.Images(TestModels.Tiny, 1, 2);
        var fp32 = model.EncodeImage(images);
        model.to(float64);
        Assert.Equal(ScalarType.Float64, model.LogitScale.dtype);
        var fp64 = model.EncodeImage(images.to(float64));
        Assert.Equal(ScalarType.Float64, fp64.dtype);
        Assert.True(fp64.to(float32).allclose(fp32, rtol: 1e-4, atol: 1e-5));
        Assert.Equal(ScalarType.Float32, model.StateDictForSave()["visual.proj"].dtype);
    }

    [Fact]
    public void Wrong_image_size_is_a_clear_error()
    {
        using var model = ClipModel.Create(TestModels.Tiny, seed: 1);
        var e = Assert.Throws<ArgumentException>(() => model.EncodeImage(zeros(1, 3, 64, 64)));
        Assert.Contains("[N, 3, 32, 32]", e.Message);
    }
}
