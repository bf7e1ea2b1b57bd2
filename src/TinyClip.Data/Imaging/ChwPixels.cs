using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Advanced;
using SixLabors.ImageSharp.PixelFormats;

namespace TinyClip.Data.Imaging;

/// <summary>
/// Writes an RGB image as CHW bytes, plane by plane. Pixels stay bytes (a quarter of float32) until the trainer's
/// device normalises them, so decoded batches cost 3*S*S bytes a sample on their way to the trainer.
/// </summary>
public static class ChwPixels
{
    /// <summary>Fills <paramref name="destination"/> (3*H*W bytes).</summary>
    public static void Write(Image<Rgb24> image, Span<byte> destination)
    {
        var plane = image.Width * image.Height;
        if (destination.Length != 3 * plane) throw new ArgumentException($"destination holds {destination.Length} bytes, image needs {3 * plane}");
        for (var y = 0; y < image.Height; y++)
        {
            var row = image.DangerousGetPixelRowMemory(y).Span;
            var offset = y * image.Width;
            for (var x = 0; x < row.Length; x++)
            {
                destination[offset + x] = row[x].R;
                destination[plane + offset + x] = row[x].G;
                destination[2 * plane + offset + x] = row[x].B;
            }
        }
    }
}
