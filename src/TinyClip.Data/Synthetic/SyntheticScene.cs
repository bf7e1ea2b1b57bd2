namespace TinyClip.Data.Synthetic;

/// <summary>One generated picture: a shape of a colour and size at a position on a background.</summary>
public sealed record SyntheticScene(int Shape, int Colour, int Size, int Background, double CenterX, double CenterY)
{
    public static readonly string[] Shapes = ["circle", "square", "triangle", "cross"];
    public static readonly string[] Colours = ["red", "green", "blue", "yellow"];
    public static readonly string[] Sizes = ["small", "medium", "large"];
    public static readonly string[] Backgrounds = ["black", "white", "gray", "purple"];

    /// <summary>Class = colour x shape (16 classes): colour and shape are both learnable from 64 px, background and size are nuisance.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        Colours.SelectMany(colour => Shapes.Select(shape => $"{colour} {shape}")).ToArray();

    public int Label => Colour * Shapes.Length + Shape;

    public string ClassName => ClassNames[Label];

    /// <summary>Draws a scene from the generator: every attribute uniform, the position keeping the shape inside the image.</summary>
    public static SyntheticScene Draw(DeterministicRandom random)
    {
        var size = random.NextInt(0, Sizes.Length);
        var radius = RadiusFraction(size);
        var colour = random.NextInt(0, Colours.Length);
        return new SyntheticScene(
            random.NextInt(0, Shapes.Length), colour, size, random.NextInt(0, Backgrounds.Length),
            random.NextDouble(radius, 1 - radius), random.NextDouble(radius, 1 - radius));
    }

    /// <summary>Shape half-extent as a fraction of the image side.</summary>
    public static double RadiusFraction(int size) => 0.2 + 0.08 * size;
}
