namespace TinyClip.Model;

/// <summary>
/// Image tower. Like OpenCLIP's vision config, one record describes either kind: a ViT over square images cut
/// into square patches, or, when <see cref="ResNet"/> is set, OpenCLIP's ModifiedResNet. A ModifiedResNet's
/// <see cref="Tower"/> has no blocks and carries its stem width and its attention pool's head width; its
/// <see cref="PatchSize"/> is the tower's total downsampling (32), so <see cref="GridSize"/> and
/// <see cref="Tokens"/> size the attention pool's positional embedding as they size the ViT's.
/// </summary>
public sealed record VisionConfig(int ImageSize, int PatchSize, TowerShape Tower)
{
    /// <summary>Stem (4x) and stages 2-4 (2x each): the grid the attention pool sees is image size / 32.</summary>
    public const int ResNetDownsampling = 32;

    /// <summary>Bottleneck output width over stem width in the last stage: 8x wider planes, expansion 4.</summary>
    public const int ResNetFeatureMultiplier = 32;

    public static VisionConfig Uniform(int imageSize, int patchSize, int width, int layers, int headWidth = 64, double mlpRatio = 4.0) =>
        new(imageSize, patchSize, TowerShape.Uniform(width, layers, width / headWidth, headWidth, (int)(width * mlpRatio)));

    /// <summary>OpenCLIP's ModifiedResNet of stem width <paramref name="width"/> (RN50: 64) and attention heads of <paramref name="headWidth"/>.</summary>
    public static VisionConfig ModifiedResNet(int imageSize, ResNetDepths depths, int width, int headWidth = 64) =>
        new(imageSize, ResNetDownsampling, new TowerShape(width, headWidth, [])) { ResNet = depths };

    /// <summary>Set for a ModifiedResNet image tower: the number of Bottleneck blocks per stage.</summary>
    public ResNetDepths? ResNet { get; init; }

    public bool IsResNet => ResNet is not null;
    public int Width => Tower.Width;
    public int Layers => Tower.Layers;
    public int Heads => IsResNet ? ResNetFeatureWidth / HeadWidth : Tower.MaxHeads;
    public int HeadWidth => Tower.HeadWidth;
    public double MlpRatio => (double)Tower.MaxMlpWidth / Tower.Width;
    public int GridSize => ImageSize / PatchSize;

    /// <summary>Patch tokens plus the class token (ViT); grid cells plus their mean (the ResNet's attention pool).</summary>
    public int Tokens => GridSize * GridSize + 1;

    /// <summary>Channels of the last stage, the width the attention pool works in (RN50: 2048).</summary>
    public int ResNetFeatureWidth => Width * ResNetFeatureMultiplier;

    public void Validate()
    {
        Tower.Validate("vision");
        if (PatchSize <= 0 || ImageSize <= 0 || ImageSize % PatchSize != 0)
            throw new ArgumentException($"vision: image size {ImageSize} must be a positive multiple of patch size {PatchSize}");
        if (ResNet is not { } depths) return;
        if (PatchSize != ResNetDownsampling || Tower.Layers != 0)
            throw new ArgumentException($"vision: a ModifiedResNet downsamples by {ResNetDownsampling} and has no transformer blocks (use VisionConfig.ModifiedResNet)");
        if (depths.AsList().Any(d => d < 1))
            throw new ArgumentException($"vision: every ModifiedResNet stage needs at least one block, got {depths}");
        if (Width % 2 != 0)
            throw new ArgumentException($"vision: ModifiedResNet width {Width} must be even (the stem's first convolutions have width / 2 channels)");
        if (ResNetFeatureWidth % HeadWidth != 0)
            throw new ArgumentException($"vision: ModifiedResNet feature width {ResNetFeatureWidth} (32 x width) is not a multiple of head width {HeadWidth}");
    }

    public override string ToString() => IsResNet
        ? $"{ImageSize}px, ModifiedResNet width {Width}, stages {ResNet}, attention pool {Heads} heads of {HeadWidth}"
        : $"{ImageSize}px, patch {PatchSize}, {Tower}";
}
