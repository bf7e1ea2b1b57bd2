namespace TinyClip.Model;

/// <summary>
/// The transformer part of one tower: a single hidden width shared by all layers, a head width shared
/// by all heads, and one <see cref="BlockShape"/> per layer. Uniform presets have identical blocks;
/// towers pruned by automatic inheritance have per-layer head counts and MLP widths.
/// </summary>
public sealed record TowerShape(int Width, int HeadWidth, IReadOnlyList<BlockShape> Blocks)
{
    public static TowerShape Uniform(int width, int layers, int heads, int headWidth, int mlpWidth) =>
        new(width, headWidth, Enumerable.Repeat(new BlockShape(heads, mlpWidth), layers).ToArray());

    public int Layers => Blocks.Count;

    /// <summary>Head count of the widest layer; equals every layer's count in a uniform tower.</summary>
    public int MaxHeads => Blocks.Count == 0 ? 0 : Blocks.Max(b => b.Heads);

    /// <summary>MLP width of the widest layer; equals every layer's width in a uniform tower.</summary>
    public int MaxMlpWidth => Blocks.Count == 0 ? 0 : Blocks.Max(b => b.MlpWidth);

    public bool IsUniform => Blocks.All(b => b == Blocks[0]);

    public void Validate(string tower)
    {
        if (Width <= 0) throw new ArgumentException($"{tower}: width must be positive, got {Width}");
        if (HeadWidth <= 0) throw new ArgumentException($"{tower}: head width must be positive, got {HeadWidth}");
        for (int i = 0; i < Blocks.Count; i++)
            if (Blocks[i].Heads < 0 || Blocks[i].MlpWidth < 0)
                throw new ArgumentException($"{tower}: block {i} has negative size {Blocks[i]}");
    }

    // Records compare lists by reference; configs are values, so compare the blocks element-wise.
    public bool Equals(TowerShape? other) =>
        other is not null && Width == other.Width && HeadWidth == other.HeadWidth && Blocks.SequenceEqual(other.Blocks);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Width);
        hash.Add(HeadWidth);
        foreach (var block in Blocks) hash.Add(block);
        return hash.ToHashCode();
    }

    public override string ToString() => IsUniform && Blocks.Count > 0
        ? $"width {Width}, {Layers} layers x {Blocks[0].Heads} heads of {HeadWidth}, MLP {Blocks[0].MlpWidth}"
        : $"width {Width}, head width {HeadWidth}, blocks [{string.Join(", ", Blocks.Select(b => $"{b.Heads}h/{b.MlpWidth}"))}]";
}
