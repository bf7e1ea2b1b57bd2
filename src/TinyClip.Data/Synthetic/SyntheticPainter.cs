using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Advanced;
using SixLabors.ImageSharp.PixelFormats;

namespace TinyClip.Data.Synthetic;

/// <summary>Draws a <see cref="SyntheticScene"/> pixel by pixel (no drawing library: an inside-test per shape).</summary>
public static class SyntheticPainter
{
    private static readonly Rgb24[] ColourValues = [new(220, 40, 40), new(40, 180, 60), new(40, 80, 230), new(235, 215, 40)];
    private static readonly Rgb24[] BackgroundValues = [new(15, 15, 15), new(245, 245, 245), new(128, 128, 128), new(110, 45, 140)];

    public static Image<Rgb24> Paint(SyntheticScene scene, int imageSize)
    {
        var image = new Image<Rgb24>(imageSize, imageSize);
        var radius = SyntheticScene.RadiusFraction(scene.Size) * imageSize;
        var cx = scene.CenterX * imageSize;
        var cy = scene.CenterY * imageSize;
        var foreground = ColourValues[scene.Colour];
        var background = BackgroundValues[scene.Background];
        for (var y = 0; y < imageSize; y++)
        {
            var row = image.DangerousGetPixelRowMemory(y).Span;
            for (var x = 0; x < imageSize; x++)
            {
                // Pixel centres, in units of the radius, relative to the shape centre.
                var dx = (x + 0.5 - cx) / radius;
                var dy = (y + 0.5 - cy) / radius;
                row[x] = Inside(scene.Shape, dx, dy) ? foreground : background;
            }
        }
        return image;
    }

    private static bool Inside(int shape, double dx, double dy) => SyntheticScene.Shapes[shape] switch
    {
        "circle" => dx * dx + dy * dy <= 1,
        "square" => Math.Abs(dx) <= 0.85 && Math.Abs(dy) <= 0.85,
        // Apex up, base at dy = 1: the half-width grows linearly from the apex.
        "triangle" => dy >= -1 && dy <= 1 && Math.Abs(dx) <= (dy + 1) / 2,
        "cross" => (Math.Abs(dx) <= 0.3 && Math.Abs(dy) <= 1) || (Math.Abs(dy) <= 0.3 && Math.Abs(dx) <= 1),
        _ => throw new ArgumentOutOfRangeException(nameof(shape)),
    };
}
