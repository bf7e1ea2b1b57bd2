namespace TinyClip.Model;

/// <summary>Image tower: a ViT over square images cut into square patches.</summary>
public sealed record VisionConfig(int ImageSize, int PatchSize, TowerShape Tower)
{
    public static VisionConfig Uniform(int imageSize, int patchSize, int width, int layers, int headWidth = 64, double mlpRatio = 4.0) =>
        new(imageSize, patchSize, TowerShape.Uniform(width, layers, width / headWidth, headWidth, (int)(width * mlpRatio)));

    public int Width => Tower.Width;
    public int Layers => Tower.Layers;
    public int Heads => Tower.MaxHeads;
    public int HeadWidth => Tower.HeadWidth;
    public double MlpRatio => (double)Tower.MaxMlpWidth / Tower.Width;
    public int GridSize => ImageSize / PatchSize;

    /// <summary>Patch tokens plus the class token.</summary>
    public int Tokens => GridSize * GridSize + 1;

    public void Validate()
    {
        Tower.Validate("vision");
        if (PatchSize <= 0 || ImageSize <= 0 || ImageSize % PatchSize != 0)
            throw new ArgumentException($"vision: image size {ImageSize} must be a positive multiple of patch size {PatchSize}");
    }
}
