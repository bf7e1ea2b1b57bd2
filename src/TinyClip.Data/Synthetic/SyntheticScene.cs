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

    /// <summary>
    /// Draws a scene from the generator: every attribute uniform; the centre uniform within
    /// <paramref name="positionJitter"/> (a fraction of the image side) of the image centre on each axis, and never
    /// so far out that the shape leaves the image. A jitter of 0.5 or more places the shape anywhere it fits.
    /// </summary>
    public static SyntheticScene Draw(DeterministicRandom random, double positionJitter = MaxPositionJitter)
    {
        var size = random.NextInt(0, Sizes.Length);
        var radius = RadiusFraction(size);
        var colour = random.NextInt(0, Colours.Length);
        var low = Math.Max(radius, 0.5 - positionJitter);
        var high = Math.Min(1 - radius, 0.5 + positionJitter);
        return new SyntheticScene(
            random.NextInt(0, Shapes.Length), colour, size, random.NextInt(0, Backgrounds.Length),
            random.NextDouble(low, high), random.NextDouble(low, high));
    }

    /// <summary>The jitter that lets the shape sit anywhere inside the image.</summary>
    public const double MaxPositionJitter = 0.5;

    /// <summary>Shape half-extent as a fraction of the image side.</summary>
    public static double RadiusFraction(int size) => 0.2 + 0.08 * size;
}
