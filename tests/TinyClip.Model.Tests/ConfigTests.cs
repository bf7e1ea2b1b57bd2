using TinyClip.Model;

namespace TinyClip.Model.Tests;

public class ConfigTests
{
    // OpenCLIP's model_configs/ViT-B-32.json, verbatim.
    const string ViTB32Json = """
        {
            "embed_dim": 512,
            "vision_cfg": {
                "image_size": 224,
                "layers": 12,
                "width": 768,
                "patch_size": 32
            },
            "text_cfg": {
                "context_length": 77,
                "vocab_size": 49408,
                "width": 512,
                "heads": 8,
                "layers": 12
            }
        }
        """;

    [Fact]
    public void OpenClip_json_parses_to_the_preset()
    {
        var parsed = ClipConfig.FromOpenClipJson(ViTB32Json);
        Assert.Equal(ClipPresets.Get("ViT-B-32"), parsed);
        Assert.Equal(12, parsed.Vision.Heads);
        Assert.Equal(64, parsed.Text.HeadWidth);
    }

    [Theory]
    [InlineData("tiny-test")]
    [InlineData("demo-teacher")]
    [InlineData("TinyCLIP-ViT-8M-16-Text-3M")]
    public void Json_round_trip_preserves_the_config(string preset)
    {
        var config = ClipPresets.Get(preset) with { QuickGelu = true };
        var json = config.ToOpenClipJson();
        Assert.Contains("\"head_width\"", json);
        Assert.Equal(config, ClipConfig.FromOpenClipJson(json));
    }

    [Fact]
    public void Image_heads_are_width_over_head_width()
    {
        var config = ClipConfig.FromOpenClipJson("""
            {"embed_dim": 64, "quick_gelu": true,
             "vision_cfg": {"image_size": 64, "patch_size": 8, "width": 96, "layers": 3, "head_width": 32, "mlp_ratio": 2.0},
             "text_cfg": {"context_length": 20, "vocab_size": 300, "width": 48, "heads": 3, "layers": 2}}
            """);
        Assert.True(config.QuickGelu);
        Assert.Equal(3, config.Vision.Heads);
        Assert.Equal(192, config.Vision.Tower.Blocks[0].MlpWidth);
        Assert.Equal(16, config.Text.HeadWidth);
        Assert.Equal(192, config.Text.Tower.Blocks[0].MlpWidth);
    }

    // TinyCLIP's model_configs/TinyCLIP-ResNet-19M-Text-19M.json, verbatim.
    const string TinyClipResNet19MJson = """
        {
            "embed_dim": 1024,
            "vision_cfg": {
                "image_size": 224,
                "layers": [
                    3,
                    4,
                    6,
                    3
                ],
                "width": 44,
                "patch_size": null
            },
            "text_cfg": {
                "context_length": 77,
                "vocab_size": 49408,
                "width": 512,
                "heads": 8,
                "layers": 6
            }
        }
        """;

    [Fact]
    public void ResNet_json_parses_to_the_preset()
    {
        var parsed = ClipConfig.FromOpenClipJson(TinyClipResNet19MJson);
        Assert.Equal(ClipPresets.Get("TinyCLIP-ResNet-19M-Text-19M"), parsed);
        Assert.Equal(new ResNetDepths(3, 4, 6, 3), parsed.Vision.ResNet);
        Assert.Equal(44, parsed.Vision.Width);
        Assert.Equal(1408, parsed.Vision.ResNetFeatureWidth);
        Assert.Equal(22, parsed.Vision.Heads);
        Assert.Equal(50, parsed.Vision.Tokens);
        Assert.Equal(6, parsed.Text.Layers);
    }

    [Theory]
    [InlineData("RN50")]
    [InlineData("TinyCLIP-ResNet-30M-Text-29M")]
    [InlineData("tiny-resnet-test")]
    public void ResNet_json_round_trip_preserves_the_config(string preset)
    {
        var config = ClipPresets.Get(preset);
        var json = config.ToOpenClipJson();
        Assert.Contains("\"layers\": [", json);
        Assert.Contains("\"patch_size\": null", json);
        Assert.Equal(config, ClipConfig.FromOpenClipJson(json));
    }

    [Fact]
    public void ResNet_configs_need_four_stages_and_an_even_width()
    {
        Assert.Throws<ArgumentException>(() => ClipConfig.FromOpenClipJson("""
            {"embed_dim": 1024, "vision_cfg": {"image_size": 224, "layers": [3, 4, 6], "width": 64},
             "text_cfg": {"width": 512, "heads": 8, "layers": 12}}
            """));
        var odd = Assert.Throws<ArgumentException>(() => ClipConfig.FromOpenClipJson("""
            {"embed_dim": 1024, "vision_cfg": {"image_size": 224, "layers": [3, 4, 6, 3], "width": 45},
             "text_cfg": {"width": 512, "heads": 8, "layers": 12}}
            """));
        Assert.Contains("even", odd.Message);
    }

    [Fact]
    public void Unimplemented_architecture_options_are_refused()
    {
        var e = Assert.Throws<NotSupportedException>(() => ClipConfig.FromOpenClipJson("""
            {"embed_dim": 512, "vision_cfg": {"ls_init_value": 0.1}, "text_cfg": {}}
            """));
        Assert.Contains("ls_init_value", e.Message);
    }

    [Fact]
    public void Heterogeneous_towers_cannot_be_written_as_OpenClip_json()
    {
        var e = Assert.Throws<NotSupportedException>(() => TestModels.Heterogeneous.ToOpenClipJson());
        Assert.Contains("image tower", e.Message);
    }

    [Fact]
    public void Demo_vocabulary_is_overridable()
    {
        Assert.Equal(ClipPresets.DemoVocabSize, ClipPresets.Get("demo-student").Text.VocabSize);
        var config = ClipPresets.Get("demo-student", vocabSize: 777);
        Assert.Equal(777, config.Text.VocabSize);
        Assert.Equal(777L * 128, ClipLayout.Count(config).TokenEmbedding);
    }

    [Fact]
    public void Unknown_preset_lists_the_known_ones()
    {
        var e = Assert.Throws<ArgumentException>(() => ClipPresets.Get("ViT-Z-99"));
        Assert.Contains("tiny-test", e.Message);
    }
}
