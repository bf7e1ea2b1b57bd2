namespace TinyClip.Model;

/// <summary>Text tower: a causal transformer over token ids, pooled at the end-of-text token.</summary>
public sealed record TextConfig(int ContextLength, int VocabSize, TowerShape Tower)
{
    public static TextConfig Uniform(int contextLength, int vocabSize, int width, int heads, int layers, double mlpRatio = 4.0) =>
        new(contextLength, vocabSize, TowerShape.Uniform(width, layers, heads, width / heads, (int)(width * mlpRatio)));

    public int Width => Tower.Width;
    public int Layers => Tower.Layers;
    public int Heads => Tower.MaxHeads;
    public int HeadWidth => Tower.HeadWidth;
    public double MlpRatio => (double)Tower.MaxMlpWidth / Tower.Width;

    public void Validate()
    {
        Tower.Validate("text");
        if (ContextLength <= 0) throw new ArgumentException($"text: context length must be positive, got {ContextLength}");
        if (VocabSize <= 0) throw new ArgumentException($"text: vocabulary size must be positive, got {VocabSize}");
    }
}
