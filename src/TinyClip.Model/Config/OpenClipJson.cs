using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TinyClip.Model;

/// <summary>
/// OpenCLIP's model-config JSON (<c>model_configs/*.json</c>). A <c>vision_cfg.layers</c> list of four depths is a
/// ModifiedResNet image tower, a number a ViT. Only uniform transformer towers can be written: the format has no
/// way to describe per-layer heads or MLP widths, or a text head width other than width/heads. Keys that would
/// change the architecture in ways this project does not implement (timm/HF towers, layer scale, attentional
/// pooling, ...) are rejected, not ignored.
/// </summary>
public static class OpenClipJson
{
    // OpenCLIP's dataclass defaults (CLIPVisionCfg / CLIPTextCfg).
    const int DefaultImageSize = 224, DefaultPatchSize = 16, DefaultVisionWidth = 768, DefaultVisionLayers = 12, DefaultHeadWidth = 64;
    const int DefaultContextLength = 77, DefaultVocabSize = 49408, DefaultTextWidth = 512, DefaultTextHeads = 8, DefaultTextLayers = 12;
    const double DefaultMlpRatio = 4.0;

    static readonly string[] UnsupportedVisionKeys =
        { "timm_model_name", "ls_init_value", "attentional_pool", "no_ln_pre", "final_ln_after_pool", "proj_bias", "input_patchnorm" };
    static readonly string[] UnsupportedTextKeys =
        { "hf_model_name", "ls_init_value", "embed_cls", "no_causal_mask", "proj_bias", "final_ln_after_pool" };

    public static ClipConfig Parse(string json)
    {
        JsonObject root;
        try { root = JsonNode.Parse(json)?.AsObject() ?? throw new FormatException("model config JSON is empty"); }
        catch (JsonException e) { throw new FormatException($"model config is not valid JSON: {e.Message}", e); }

        var vision = root["vision_cfg"]?.AsObject() ?? throw new FormatException("model config lacks \"vision_cfg\"");
        var text = root["text_cfg"]?.AsObject() ?? throw new FormatException("model config lacks \"text_cfg\"");
        RejectUnsupported("vision_cfg", vision, UnsupportedVisionKeys);
        RejectUnsupported("text_cfg", text, UnsupportedTextKeys);
        if (root["init_logit_bias"] is not null && root["init_logit_bias"]!.GetValueKind() != JsonValueKind.Null)
            throw new NotSupportedException("init_logit_bias (SigLIP) is not supported");

        var visionCfg = Vision(vision);

        int textWidth = Int(text, "width", DefaultTextWidth);
        int textHeads = Int(text, "heads", DefaultTextHeads);
        if (textHeads <= 0 || textWidth % textHeads != 0)
            throw new FormatException($"text_cfg.width {textWidth} is not a multiple of heads {textHeads}");
        var textCfg = TextConfig.Uniform(
            Int(text, "context_length", DefaultContextLength), Int(text, "vocab_size", DefaultVocabSize), textWidth,
            textHeads, Int(text, "layers", DefaultTextLayers), Double(text, "mlp_ratio", DefaultMlpRatio));

        int embedDim = root["embed_dim"] is null ? throw new FormatException("model config lacks \"embed_dim\"") : Int(root, "embed_dim", 0);
        bool quickGelu = root["quick_gelu"]?.GetValue<bool>() ?? false;
        var config = new ClipConfig(embedDim, visionCfg, textCfg, quickGelu);
        config.Validate();
        return config;
    }

    static VisionConfig Vision(JsonObject vision)
    {
        int width = Int(vision, "width", DefaultVisionWidth);
        int headWidth = Int(vision, "head_width", DefaultHeadWidth);
        if (vision["layers"] is JsonArray depths)
            // OpenCLIP ignores patch_size (null in its RN configs) and mlp_ratio for a ModifiedResNet.
            return VisionConfig.ModifiedResNet(ImageSize(vision), ResNetDepths.From(depths.Select(d => IntValue(d!, "layers")).ToList()), width, headWidth);
        if (width % headWidth != 0)
            throw new FormatException($"vision_cfg.width {width} is not a multiple of head_width {headWidth}");
        return VisionConfig.Uniform(
            ImageSize(vision), Int(vision, "patch_size", DefaultPatchSize), width,
            Int(vision, "layers", DefaultVisionLayers), headWidth, Double(vision, "mlp_ratio", DefaultMlpRatio));
    }

    public static string Write(ClipConfig config)
    {
        var v = config.Vision;
        var t = config.Text;
        if (!v.IsResNet && (!v.Tower.IsUniform || v.Heads * v.HeadWidth != v.Width))
            throw new NotSupportedException($"the image tower ({v.Tower}) cannot be written as OpenCLIP JSON: it needs uniform blocks with heads * head_width == width; save a checkpoint instead, its shapes describe it");
        if (!t.Tower.IsUniform || t.Heads * t.HeadWidth != t.Width)
            throw new NotSupportedException($"the text tower ({t.Tower}) cannot be written as OpenCLIP JSON: it needs uniform blocks with heads * (width / heads) == width; save a checkpoint instead, its shapes describe it");

        var root = new JsonObject
        {
            ["embed_dim"] = config.EmbedDim,
            ["quick_gelu"] = config.QuickGelu,
            ["vision_cfg"] = VisionJson(v),
            ["text_cfg"] = new JsonObject
            {
                ["context_length"] = t.ContextLength,
                ["vocab_size"] = t.VocabSize,
                ["width"] = t.Width,
                ["heads"] = t.Heads,
                ["layers"] = t.Layers,
                ["mlp_ratio"] = t.MlpRatio,
            },
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    static JsonObject VisionJson(VisionConfig v) => v.ResNet is { } depths
        ? new JsonObject
        {
            ["image_size"] = v.ImageSize,
            ["layers"] = new JsonArray(depths.AsList().Select(d => (JsonNode?)JsonValue.Create(d)).ToArray()),
            ["width"] = v.Width,
            ["head_width"] = v.HeadWidth,
            ["patch_size"] = null,
        }
        : new JsonObject
        {
            ["image_size"] = v.ImageSize,
            ["layers"] = v.Layers,
            ["width"] = v.Width,
            ["head_width"] = v.HeadWidth,
            ["mlp_ratio"] = v.MlpRatio,
            ["patch_size"] = v.PatchSize,
        };

    static void RejectUnsupported(string section, JsonObject obj, string[] keys)
    {
        foreach (var key in keys)
        {
            var node = obj[key];
            if (node is null || node.GetValueKind() is JsonValueKind.Null or JsonValueKind.False) continue;
            throw new NotSupportedException($"{section}.{key} = {node.ToJsonString()} is not supported by this project's CLIP implementation");
        }
    }

    // image_size may be an int or [h, w]; only square images are supported.
    static int ImageSize(JsonObject vision)
    {
        if (vision["image_size"] is JsonArray pair)
        {
            if (pair.Count != 2 || pair[0]!.GetValue<int>() != pair[1]!.GetValue<int>())
                throw new NotSupportedException($"vision_cfg.image_size {pair.ToJsonString()}: only square images are supported");
            return pair[0]!.GetValue<int>();
        }
        return Int(vision, "image_size", DefaultImageSize);
    }

    static int Int(JsonObject obj, string key, int fallback) => obj[key] is { } node ? IntValue(node, key) : fallback;

    static int IntValue(JsonNode node, string key)
    {
        double value = node.GetValue<double>();
        if (value != Math.Floor(value)) throw new FormatException($"\"{key}\" must be an integer, got {value.ToString(CultureInfo.InvariantCulture)}");
        return checked((int)value);
    }

    static double Double(JsonObject obj, string key, double fallback) => obj[key]?.GetValue<double>() ?? fallback;
}
