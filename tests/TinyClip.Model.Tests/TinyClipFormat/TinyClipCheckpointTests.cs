using System.Collections;
using TinyClip.Model;
using static TorchSharp.torch;

namespace TinyClip.Model.Tests.TinyClipFormat;

/// <summary>TinyCLIP's own checkpoint formats (wrapped names, L0-module masks), written here as its trainer writes them.</summary>
public sealed class TinyClipCheckpointTests : IDisposable
{
    private readonly List<string> _files = [];

    string Temp()
    {
        var path = TestModels.TempFile(".pt");
        _files.Add(path);
        return path;
    }

    public void Dispose()
    {
        foreach (var f in _files) File.Delete(f);
    }

    static ArchitectureHints Hints => ArchitectureHints.From(TestModels.Tiny);

    /// <summary>A TinyCLIP training checkpoint of <paramref name="model"/> with <paramref name="choice"/>'s L0 modules.</summary>
    string WriteMasked(ClipModel model, MaskChoice choice, bool ddp, bool text = true)
    {
        var path = Temp();
        var state = TinyClipPickles.Wrap(model.StateDictForSave(), ddp);
        choice.AddTo(state, ddp, text);
        TinyClipPickles.Save(path, state);
        return path;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Wrapped_names_load_to_the_same_embeddings_as_the_unwrapped_model(bool ddp)
    {
        using var model = TestModels.Randomised(TestModels.Tiny);
        var path = Temp();
        TinyClipPickles.Save(path, TinyClipPickles.Wrap(model.StateDictForSave(), ddp));
        Assert.Contains("argparse\nNamespace", TinyClipPickles.PickleText(path));

        using var loaded = ClipCheckpoint.LoadModel(path, allowPickle: true, hints: Hints);

        Assert.Equal(TestModels.Tiny, loaded.Config);
        using var scope = NewDisposeScope();
        var images = TestModels.Images(TestModels.Tiny, 2, 31);
        var tokens = TestModels.Tokens(TestModels.Tiny, [4, 11], 32);
        Assert.True(TestModels.BitwiseEqual(model.EncodeImage(images), loaded.EncodeImage(images)), "image embeddings differ");
        Assert.True(TestModels.BitwiseEqual(model.EncodeText(tokens), loaded.EncodeText(tokens)), "text embeddings differ");
        Assert.Equal(model.LogitScale.item<float>(), loaded.LogitScale.item<float>());
    }

    [Fact]
    public void Masks_prune_the_chosen_structures_and_the_compact_student_computes_what_the_masked_model_does()
    {
        using var full = TestModels.Randomised(TestModels.Tiny);
        var choice = MaskChoice.Create();
        var path = WriteMasked(full, choice, ddp: true);

        using var pruned = ClipCheckpoint.LoadModel(path, allowPickle: true, hints: Hints);

        // What the chosen log-alphas keep (MaskChoice): 24 of 32 hidden dims per tower; image heads [2, 1] and MLP
        // [100, 0]; text heads [2, 0] and MLP [100, 128].
        var v = pruned.Config.Vision.Tower;
        var t = pruned.Config.Text.Tower;
        Assert.Equal((24, 24), (v.Width, t.Width));
        Assert.Equal([2, 1], v.Blocks.Select(b => b.Heads));
        Assert.Equal([100, 0], v.Blocks.Select(b => b.MlpWidth));
        Assert.Equal([2, 0], t.Blocks.Select(b => b.Heads));
        Assert.Equal([100, 128], t.Blocks.Select(b => b.MlpWidth));
        Assert.Equal(pruned.Config, CheckpointInfo.Inspect(path, allowPickle: true, hints: Hints).Config);

        using var scope = NewDisposeScope();
        // The kept entries are the chosen ones, in order: LayerNorms keep them unscaled.
        var before = full.StateDictForSave();
        var after = pruned.StateDictForSave();
        Assert.True(TestModels.BitwiseEqual(before["visual.ln_pre.weight"].index_select(0, MaskChoice.KeptHidden), after["visual.ln_pre.weight"]));
        Assert.True(TestModels.BitwiseEqual(before["ln_final.bias"].index_select(0, MaskChoice.KeptHidden), after["ln_final.bias"]));
        Assert.True(TestModels.BitwiseEqual(
            before["visual.transformer.resblocks.0.mlp.c_fc.bias"].index_select(0, MaskChoice.KeptNeurons),
            after["visual.transformer.resblocks.0.mlp.c_fc.bias"]));

        // The full model under the masks TinyCLIP's evaluation computes, written out here independently:
        // z = sigmoid(log-alpha / (2/3) * 0.8) where kept, 0 where the expected-zero count removes it.
        // Image block 1 loses every MLP neuron, and TinyCLIP's pruning keeps that MLP's output bias (EmptyMlpBias): the
        // same as keeping every neuron with c_fc zeroed, since GELU(0) = 0 leaves only the bias.
        var expected = choice.ExpectedMasks();
        var (biasOnly, tinyClipMasks) = WithEmptyMlpBiases(full, expected);
        using var _ = biasOnly;
        var images = TestModels.Images(TestModels.Tiny, 3, 41);
        var tokens = TestModels.Tokens(TestModels.Tiny, [5, 15, 9], 42);
        var maskedImage = biasOnly.EncodeImage(images, tinyClipMasks.Image);
        var maskedText = biasOnly.EncodeText(tokens, tinyClipMasks.Text);
        Assert.True(MaxDifference(full.EncodeImage(images, expected.Image), pruned.EncodeImage(images)) > 1e-3, "the kept bias should matter");
        Assert.True(MaxDifference(maskedImage, full.EncodeImage(images)) > 1e-2, "the masks should change the image embedding");
        Assert.True(MaxDifference(maskedText, full.EncodeText(tokens)) > 1e-2, "the masks should change the text embedding");
        Assert.True(MaxDifference(maskedImage, pruned.EncodeImage(images)) < 1e-5);
        Assert.True(MaxDifference(maskedText, pruned.EncodeText(tokens)) < 1e-5);
    }

    [Fact]
    public void A_released_compact_student_loads_from_its_wrapped_names_and_shapes()
    {
        // TinyCLIP releases an automatic-inheritance model as the state dict of its pruned model (layers that lost every
        // head or neuron lack those entries), which its evaluation expands again; here it loads by its shapes.
        using var full = TestModels.Randomised(TestModels.Tiny);
        var masked = WriteMasked(full, MaskChoice.Create(), ddp: true);
        using var pruned = ClipCheckpoint.LoadModel(masked, allowPickle: true, hints: Hints);
        var released = Temp();
        TinyClipPickles.Save(released, TinyClipPickles.Wrap(pruned.StateDictForSave(), ddp: true));

        using var loaded = ClipCheckpoint.LoadModel(released, allowPickle: true, hints: Hints);

        Assert.Equal(pruned.Config, loaded.Config);
        Assert.DoesNotContain(loaded.StateDictForSave().Keys, k => k.StartsWith("transformer.resblocks.1.attn.", StringComparison.Ordinal));
        using var scope = NewDisposeScope();
        var images = TestModels.Images(TestModels.Tiny, 2, 51);
        var tokens = TestModels.Tokens(TestModels.Tiny, [6, 12], 52);
        Assert.True(TestModels.BitwiseEqual(pruned.EncodeImage(images), loaded.EncodeImage(images)));
        Assert.True(TestModels.BitwiseEqual(pruned.EncodeText(tokens), loaded.EncodeText(tokens)));

        // The next auto stage grows it back under masks (TinyCLIP's --load-last-stage): they keep what it has.
        using var regrown = MaskedStudent.ExpandIntoMasked(loaded, TestModels.Tiny, new MaskSettings(new SparsityRamp(0.25, 0.5, 100)), seed: 9);
        using var prunedAgain = regrown.Prune();
        Assert.Equal(loaded.Config, prunedAgain.Config);
        regrown.Model.Dispose();
    }

    /// <summary>
    /// The masked model as TinyCLIP's pruning leaves it: an MLP row masked entirely still adds its output bias. Equal to
    /// keeping that row's neurons (mask 1) with c_fc zeroed, since GELU(0) = 0 leaves only the bias.
    /// </summary>
    static (ClipModel Model, StudentMasks Masks) WithEmptyMlpBiases(ClipModel full, StudentMasks masks)
    {
        var state = full.StateDictForSave();
        TowerMasks Keep(TowerMasks tower, string blocks)
        {
            var intermediate = tower.Intermediate!.clone();
            for (int layer = 0; layer < intermediate.shape[0]; layer++)
            {
                if (intermediate[layer].count_nonzero().item<long>() > 0) continue;
                intermediate[layer].fill_(1);
                state[$"{blocks}.{layer}.mlp.c_fc.weight"].zero_();
                state[$"{blocks}.{layer}.mlp.c_fc.bias"].zero_();
            }
            return tower with { Intermediate = intermediate };
        }
        var result = new StudentMasks(Keep(masks.Image, "visual.transformer.resblocks"), Keep(masks.Text, "transformer.resblocks"));
        return (ClipModel.FromStateDict(state, Hints), result);
    }

    [Fact]
    public void An_empty_mlp_after_an_empty_attention_keeps_its_bias_earlier_in_the_stream()
    {
        // Image block 0 loses everything (its MLP bias goes to ln_pre's bias), text block 1 too (to block 0's MLP bias);
        // image block 1 keeps one head and loses its MLP (its bias goes to that head's output bias).
        using var full = TestModels.Randomised(TestModels.Tiny);
        var choice = MaskChoice.Create();
        choice.ImageHeads[0].fill_(-10);
        choice.ImageIntermediate[0].fill_(-10);
        choice.TextIntermediate[1].fill_(-10);

        using var pruned = ClipCheckpoint.LoadModel(WriteMasked(full, choice, ddp: false), allowPickle: true, hints: Hints);

        // Image block 0, now the identity, is dropped: one block (1 head, no MLP) remains.
        Assert.Equal([new BlockShape(1, 0)], pruned.Config.Vision.Tower.Blocks);
        Assert.Equal(pruned.Config, CheckpointInfo.Inspect(WriteMasked(full, choice, ddp: true), allowPickle: true, hints: Hints).Config);
        // So is text block 1, whose MLP bias now sits in block 0's.
        Assert.Equal([new BlockShape(2, 100)], pruned.Config.Text.Tower.Blocks);
        using var scope = NewDisposeScope();
        var (biasOnly, masks) = WithEmptyMlpBiases(full, choice.ExpectedMasks());
        using var _ = biasOnly;
        var images = TestModels.Images(TestModels.Tiny, 3, 71);
        var tokens = TestModels.Tokens(TestModels.Tiny, [5, 15, 9], 72);
        Assert.True(MaxDifference(biasOnly.EncodeImage(images, masks.Image), pruned.EncodeImage(images)) < 1e-5);
        Assert.True(MaxDifference(biasOnly.EncodeText(tokens, masks.Text), pruned.EncodeText(tokens)) < 1e-5);
    }

    [Fact]
    public void A_released_model_with_a_zero_width_mlp_keeps_that_mlps_bias()
    {
        // TinyCLIP's pruned form of MaskChoice: image block 1's MLP keeps no neuron but its (hidden-scaled) output bias.
        using var full = TestModels.Randomised(TestModels.Tiny);
        var choice = MaskChoice.Create();
        using var fromMasks = ClipCheckpoint.LoadModel(WriteMasked(full, choice, ddp: false), allowPickle: true, hints: Hints);
        using var scope = NewDisposeScope();
        var fullState = full.StateDictForSave();
        using var masks = choice.ExpectedMasks();
        var compact = StructuredPruner.PruneState(fullState, TestModels.Tiny, masks);
        const string block = "visual.transformer.resblocks.1";
        var kept = MaskChoice.KeptHidden;
        compact[$"{block}.ln_2.weight"] = fullState[$"{block}.ln_2.weight"].index_select(0, kept);
        compact[$"{block}.ln_2.bias"] = fullState[$"{block}.ln_2.bias"].index_select(0, kept);
        compact[$"{block}.mlp.c_fc.weight"] = zeros(0, 24);
        compact[$"{block}.mlp.c_fc.bias"] = zeros(0);
        compact[$"{block}.mlp.c_proj.weight"] = zeros(24, 0);
        compact[$"{block}.mlp.c_proj.bias"] = (fullState[$"{block}.mlp.c_proj.bias"] * masks.Image.Hidden!).index_select(0, kept);
        var released = Temp();
        TinyClipPickles.Save(released, TinyClipPickles.Wrap(compact, ddp: true));

        using var loaded = ClipCheckpoint.LoadModel(released, allowPickle: true, hints: Hints);

        Assert.Equal(fromMasks.Config, loaded.Config);
        Assert.Equal(0, loaded.Config.Vision.Tower.Blocks[1].MlpWidth);
        var images = TestModels.Images(TestModels.Tiny, 2, 61);
        Assert.True(MaxDifference(fromMasks.EncodeImage(images), loaded.EncodeImage(images)) < 1e-6);
    }

    [Fact]
    public void A_tower_without_masks_is_kept_whole()
    {
        using var full = TestModels.Randomised(TestModels.Tiny);
        var path = WriteMasked(full, MaskChoice.Create(), ddp: false, text: false);

        using var pruned = ClipCheckpoint.LoadModel(path, allowPickle: true, hints: Hints);

        Assert.Equal(24, pruned.Config.Vision.Width);
        Assert.Equal(TestModels.Tiny.Text, pruned.Config.Text);
        using var scope = NewDisposeScope();
        var tokens = TestModels.Tokens(TestModels.Tiny, [5, 15], 42);
        Assert.True(TestModels.BitwiseEqual(full.EncodeText(tokens), pruned.EncodeText(tokens)));
    }

    public static TheoryData<string, string, string> BadMasks => new()
    {
        // CoFiPruning's whole-layer masks, which TinyCLIP's L0 module can create but its runs never use.
        { "_image_encoder.l0_module.mha_loga", "ones:2", "whole-layer mask" },
        { "_text_encoder.l0_module.hidden_loga", "ones:31", "shape [31] does not fit the text tower, which needs [32]" },
        { "_text_encoder.l0_module.hidden_loga", "nan:32", "non-finite" },
        { "_image_encoder.l0_module.unknown_loga", "ones:2", "does not know" },
    };

    [Theory]
    [MemberData(nameof(BadMasks))]
    public void Masks_that_cannot_be_represented_are_refused_with_the_reason(string name, string value, string reason)
    {
        using var model = ClipModel.Create(TestModels.Tiny, seed: 3);
        var state = TinyClipPickles.Wrap(model.StateDictForSave(), ddp: false);
        MaskChoice.Create().AddTo(state, ddp: false);
        var parts = value.Split(':');
        state[name] = parts[0] == "nan" ? full([long.Parse(parts[1])], float.NaN) : ones(long.Parse(parts[1]));
        var path = Temp();
        TinyClipPickles.Save(path, state);

        var error = Assert.ThrowsAny<Exception>(() => ClipCheckpoint.LoadModel(path, allowPickle: true, hints: Hints));

        Assert.True(error is CheckpointFormatException or InvalidDataException, error.ToString());
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void A_tower_with_only_some_mask_families_is_refused()
    {
        using var model = ClipModel.Create(TestModels.Tiny, seed: 3);
        var state = TinyClipPickles.Wrap(model.StateDictForSave(), ddp: false);
        state["_image_encoder.l0_module.hidden_loga"] = ones(32);
        var path = Temp();
        TinyClipPickles.Save(path, state);

        var error = Assert.Throws<InvalidDataException>(() => ClipCheckpoint.LoadModel(path, allowPickle: true, hints: Hints));

        Assert.Contains("visual.heads_log_alpha, visual.intermediate_log_alpha", error.Message);
        Assert.Contains("needs all three", error.Message);
    }

    static float MaxDifference(Tensor a, Tensor b) => (a - b).abs().max().item<float>();
}
