using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace TinyClip.Data.Imaging;

/// <summary>
/// Evaluation transform: resize the shorter side to S (bicubic), then crop the centre S x S.
/// An image already S x S is left untouched, so it is only normalised.
/// </summary>
public sealed class ResizeCenterCrop(int size)
{
    public void Apply(Image<Rgb24> image)
    {
        if (image.Width == size && image.Height == size) return;
        var scale = (double)size / Math.Min(image.Width, image.Height);
        var width = Math.Max(size, (int)Math.Round(image.Width * scale));
        var height = Math.Max(size, (int)Math.Round(image.Height * scale));
        image.Mutate(x => x
            .Resize(width, height, KnownResamplers.Bicubic)
            .Crop(new Rectangle((width - size) / 2, (height - size) / 2, size, size)));
    }
}
