using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Advanced;
using SixLabors.ImageSharp.PixelFormats;

namespace TinyClip.Data.Imaging;

/// <summary>Writes an RGB image as CHW float32 normalised with OpenAI CLIP's mean and std.</summary>
public static class ChwNormalizer
{
    public static readonly float[] Mean = [0.48145466f, 0.4578275f, 0.40821073f];
    public static readonly float[] Std = [0.26862954f, 0.26130258f, 0.27577711f];

    /// <summary>Fills <paramref name="destination"/> (3*H*W floats) plane by plane.</summary>
    public static void Write(Image<Rgb24> image, Span<float> destination)
    {
        var plane = image.Width * image.Height;
        if (destination.Length != 3 * plane) throw new ArgumentException($"destination holds {destination.Length} floats, image needs {3 * plane}");
        var scale = new float[3];
        var shift = new float[3];
        for (var c = 0; c < 3; c++)
        {
            scale[c] = 1f / (255f * Std[c]);
            shift[c] = Mean[c] / Std[c];
        }
        for (var y = 0; y < image.Height; y++)
        {
            var row = image.DangerousGetPixelRowMemory(y).Span;
            var offset = y * image.Width;
            for (var x = 0; x < row.Length; x++)
            {
                destination[offset + x] = row[x].R * scale[0] - shift[0];
                destination[plane + offset + x] = row[x].G * scale[1] - shift[1];
                destination[2 * plane + offset + x] = row[x].B * scale[2] - shift[2];
            }
        }
    }
}
