using TinyClip.Model;

namespace TinyClip.Model.Tests;

public class LayoutTests
{
    /// <summary>OpenCLIP's ViT-B-32 state dict, written out from the layout rules independently of ClipLayout.</summary>
    static Dictionary<string, long[]> OpenClipViTB32Keys()
    {
        var keys = new Dictionary<string, long[]>
        {
            ["positional_embedding"] = [77, 512], ["text_projection"] = [512, 512], ["logit_scale"] = [],
            ["visual.class_embedding"] = [768], ["visual.positional_embedding"] = [50, 768], ["visual.proj"] = [768, 512],
            ["visual.conv1.weight"] = [768, 3, 32, 32], ["visual.ln_pre.weight"] = [768], ["visual.ln_pre.bias"] = [768],
            ["visual.ln_post.weight"] = [768], ["visual.ln_post.bias"] = [768],
            ["token_embedding.weight"] = [49408, 512], ["ln_final.weight"] = [512], ["ln_final.bias"] = [512],
        };
        void Blocks(string prefix, long c)
        {
            for (int i = 0; i < 12; i++)
            {
                string p = $"{prefix}.{i}.";
                keys[p + "ln_1.weight"] = [c]; keys[p + "ln_1.bias"] = [c];
                keys[p + "attn.in_proj_weight"] = [3 * c, c]; keys[p + "attn.in_proj_bias"] = [3 * c];
                keys[p + "attn.out_proj.weight"] = [c, c]; keys[p + "attn.out_proj.bias"] = [c];
                keys[p + "ln_2.weight"] = [c]; keys[p + "ln_2.bias"] = [c];
                keys[p + "mlp.c_fc.weight"] = [4 * c, c]; keys[p + "mlp.c_fc.bias"] = [4 * c];
                keys[p + "mlp.c_proj.weight"] = [c, 4 * c]; keys[p + "mlp.c_proj.bias"] = [c];
            }
        }
        Blocks("visual.transformer.resblocks", 768);
        Blocks("transformer.resblocks", 512);
        return keys;
    }

    [Fact]
    public void ViTB32_layout_has_exactly_OpenClips_keys_and_shapes()
    {
        var expected = OpenClipViTB32Keys();
        var actual = ClipLayout.Entries(ClipPresets.Get("ViT-B-32"));
        Assert.Equal(expected.Keys.Order(), actual.Select(e => e.Name).Order());
        foreach (var e in actual) Assert.True(expected[e.Name].SequenceEqual(e.Shape), $"{e.Name}: [{string.Join(",", e.Shape)}]");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Real_state_dict_equals_the_layout(bool heterogeneous)
    {
        var config = heterogeneous ? TestModels.Heterogeneous : TestModels.Tiny;
        using var model = ClipModel.Create(config, seed: 1);
        var actual = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        var expected = ClipLayout.Entries(config);
        Assert.Equal(expected.Select(e => e.Name).Order(), actual.Keys.Order());
        foreach (var e in expected) Assert.True(actual[e.Name].SequenceEqual(e.Shape), e.Name);
    }

    [Fact]
    public void Pruned_sub_layers_have_no_keys()
    {
        using var model = ClipModel.Create(TestModels.Heterogeneous, seed: 1);
        var keys = model.state_dict().Keys.ToList();
        Assert.DoesNotContain(keys, k => k.StartsWith("visual.transformer.resblocks.1.ln_1") || k.StartsWith("visual.transformer.resblocks.1.attn"));
        Assert.Contains("visual.transformer.resblocks.1.mlp.c_fc.weight", keys);
        Assert.DoesNotContain(keys, k => k.StartsWith("transformer.resblocks.1.ln_2") || k.StartsWith("transformer.resblocks.1.mlp"));
        Assert.Equal([96L, 32], model.state_dict()["visual.transformer.resblocks.0.attn.in_proj_weight"].shape);
        Assert.Equal([32L, 16], model.state_dict()["visual.transformer.resblocks.2.attn.out_proj.weight"].shape);
    }

    [Fact]
    public void ViTB32_parameter_counts_match_OpenClip()
    {
        // OpenCLIP ViT-B-32: 151,277,313 parameters = image 87,849,216 + text 63,428,096 + logit_scale.
        var counts = ClipLayout.Count(ClipPresets.Get("ViT-B-32"));
        Assert.Equal(87_849_216, counts.Image);
        Assert.Equal(63_428_096, counts.Text);
        Assert.Equal(151_277_313, counts.Total);
        Assert.Equal(49408L * 512, counts.TokenEmbedding);
    }

    [Theory]
    [InlineData("TinyCLIP-ViT-61M-32-Text-29M", 61, 29)]
    [InlineData("TinyCLIP-ViT-40M-32-Text-19M", 40, 19)]
    [InlineData("TinyCLIP-ViT-39M-16-Text-19M", 39, 19)]
    [InlineData("TinyCLIP-ViT-8M-16-Text-3M", 8, 3)]
    public void TinyClip_presets_have_the_sizes_in_their_names(string name, int imageMillions, int textMillions)
    {
        // TinyCLIP's names count the text tower without its token embedding.
        var counts = ClipLayout.Count(ClipPresets.Get(name));
        Assert.InRange(counts.Image / 1e6, imageMillions - 1.0, imageMillions + 1.0);
        Assert.InRange(counts.TextWithoutTokenEmbedding / 1e6, textMillions - 1.0, textMillions + 1.0);
    }

    [Theory]
    [InlineData("ViT-B-16", 86_192_640, 63_428_096)]
    [InlineData("TinyCLIP-ViT-61M-32-Text-29M", 61_411_200, 53_970_944)]
    [InlineData("TinyCLIP-ViT-40M-32-Text-19M", 39_691_776, 44_513_792)]
    [InlineData("TinyCLIP-ViT-39M-16-Text-19M", 38_587_392, 44_513_792)]
    [InlineData("TinyCLIP-ViT-8M-16-Text-3M", 8_276_992, 15_169_024)]
    public void Preset_counts_match_the_documented_table(string name, long image, long text)
    {
        var counts = ClipLayout.Count(ClipPresets.Get(name));
        Assert.Equal(image, counts.Image);
        Assert.Equal(text, counts.Text);
    }

    [Fact]
    public void Model_counts_its_real_parameters_like_the_layout()
    {
        using var model = ClipModel.Create(TestModels.Heterogeneous, seed: 1);
        var layout = ClipLayout.Count(TestModels.Heterogeneous);
        var (image, text) = model.ParameterCounts();
        Assert.Equal(layout.Image, image);
        Assert.Equal(layout.Text, text);
        Assert.Equal(model.parameters().Sum(p => p.numel()), image + text + 1);
    }
}
