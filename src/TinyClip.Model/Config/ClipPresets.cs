namespace TinyClip.Model;

/// <summary>
/// Named architectures: OpenCLIP's ViT-B and RN50 presets, TinyCLIP's released ViT and ResNet students
/// (docs/method.md, docs/model.md), and small presets for tests and the demo. All use exact GELU, pre-LN and head
/// width 64 unless noted.
/// </summary>
public static class ClipPresets
{
    const int ClipContext = 77, ClipVocab = 49408;

    /// <summary>Demo vocabulary size; the demo replaces it with its own tokenizer's size via <c>vocabSize</c>.</summary>
    public const int DemoVocabSize = 4096;

    static readonly Dictionary<string, Func<ClipConfig>> Presets = new(StringComparer.OrdinalIgnoreCase)
    {
        ["ViT-B-32"] = () => Standard(32, 768, 12, 512, 12),
        ["ViT-B-16"] = () => Standard(16, 768, 12, 512, 12),
        ["TinyCLIP-ViT-61M-32-Text-29M"] = () => Standard(32, 640, 12, 512, 9),
        ["TinyCLIP-ViT-40M-32-Text-19M"] = () => Standard(32, 512, 12, 512, 6),
        ["TinyCLIP-ViT-39M-16-Text-19M"] = () => Standard(16, 512, 12, 512, 6),
        ["TinyCLIP-ViT-8M-16-Text-3M"] = () => Standard(16, 256, 10, 256, 3),
        // OpenCLIP's RN50.json and TinyCLIP's two ResNet students: RN50's stage depths at a narrower stem, embed dim 1024.
        ["RN50"] = () => ResNet(64, 12),
        ["TinyCLIP-ResNet-30M-Text-29M"] = () => ResNet(56, 9),
        ["TinyCLIP-ResNet-19M-Text-19M"] = () => ResNet(44, 6),
        // Unit tests: a few tens of thousands of parameters, heads of 16.
        ["tiny-test"] = () => new ClipConfig(32,
            new VisionConfig(32, 8, TowerShape.Uniform(32, 2, 2, 16, 128)),
            new TextConfig(16, 1000, TowerShape.Uniform(32, 2, 2, 16, 128))),
        // A sub-shape of tiny-test (narrower image tower, shallower text tower), for inheritance tests.
        ["tiny-test-half"] = () => new ClipConfig(32,
            new VisionConfig(32, 8, TowerShape.Uniform(16, 2, 1, 16, 64)),
            new TextConfig(16, 1000, TowerShape.Uniform(32, 1, 2, 16, 128))),
        // A ModifiedResNet of one block per stage at 64x64 (a 2x2 grid for the attention pool), for unit tests, and a
        // narrower, shallower sub-shape of it that can inherit from it.
        ["tiny-resnet-test"] = () => new ClipConfig(32,
            VisionConfig.ModifiedResNet(64, new ResNetDepths(2, 1, 2, 1), 8, 16),
            new TextConfig(16, 1000, TowerShape.Uniform(32, 2, 2, 16, 128))),
        ["tiny-resnet-test-half"] = () => new ClipConfig(32,
            VisionConfig.ModifiedResNet(64, new ResNetDepths(1, 1, 1, 1), 4, 16),
            new TextConfig(16, 1000, TowerShape.Uniform(32, 1, 2, 16, 128))),
        // Demo pair: a 64x64 teacher and a narrower/shallower student that can inherit from it.
        ["demo-teacher"] = () => new ClipConfig(128,
            new VisionConfig(64, 16, TowerShape.Uniform(192, 4, 3, 64, 768)),
            new TextConfig(32, DemoVocabSize, TowerShape.Uniform(128, 4, 2, 64, 512))),
        ["demo-student"] = () => new ClipConfig(128,
            new VisionConfig(64, 16, TowerShape.Uniform(128, 4, 2, 64, 512)),
            new TextConfig(32, DemoVocabSize, TowerShape.Uniform(128, 2, 2, 64, 512))),
    };

    /// <summary>
    /// The sizes TinyCLIP publishes for its released models, in millions, as their names state them (the text count
    /// leaves out the token embedding, see <see cref="ParameterCounts.TextWithoutTokenEmbedding"/>).
    /// </summary>
    static readonly Dictionary<string, PublishedParameterCounts> Published = new(StringComparer.OrdinalIgnoreCase)
    {
        ["TinyCLIP-ViT-61M-32-Text-29M"] = new(61, 29),
        ["TinyCLIP-ViT-40M-32-Text-19M"] = new(40, 19),
        ["TinyCLIP-ViT-39M-16-Text-19M"] = new(39, 19),
        ["TinyCLIP-ViT-8M-16-Text-3M"] = new(8, 3),
        ["TinyCLIP-ResNet-30M-Text-29M"] = new(30, 29),
        ["TinyCLIP-ResNet-19M-Text-19M"] = new(19, 19),
    };

    public static IReadOnlyCollection<string> Names => Presets.Keys;

    /// <summary>The parameter counts TinyCLIP publishes for preset <paramref name="name"/>; null where it publishes none.</summary>
    public static PublishedParameterCounts? PublishedCounts(string name) => Published.GetValueOrDefault(name);

    /// <summary>The preset's config; <paramref name="vocabSize"/> overrides the text vocabulary.</summary>
    public static ClipConfig Get(string name, int? vocabSize = null)
    {
        if (!Presets.TryGetValue(name, out var make))
            throw new ArgumentException($"unknown model preset '{name}'; known: {string.Join(", ", Presets.Keys)}");
        var config = make();
        return vocabSize is { } v ? config.WithVocabSize(v) : config;
    }

    static ClipConfig Standard(int patch, int visionWidth, int visionLayers, int textWidth, int textLayers) => new(512,
        VisionConfig.Uniform(224, patch, visionWidth, visionLayers),
        TextConfig.Uniform(ClipContext, ClipVocab, textWidth, textWidth / 64, textLayers));

    /// <summary>An RN50-shaped image tower (stages 3, 4, 6, 3 at 224 px) of stem width <paramref name="width"/>, a text tower of width 512 in 8 heads.</summary>
    static ClipConfig ResNet(int width, int textLayers) => new(1024,
        VisionConfig.ModifiedResNet(224, new ResNetDepths(3, 4, 6, 3), width),
        TextConfig.Uniform(ClipContext, ClipVocab, 512, 8, textLayers));
}
