using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace TinyClip.Data.Imaging;

/// <summary>
/// Training crop as in torchvision's RandomResizedCrop: up to 10 tries of an area fraction in
/// [minScale, maxScale] and a log-uniform aspect ratio in [3/4, 4/3]; if none fits, a centre crop with
/// the ratio clamped. The crop is resized to S x S with a bicubic kernel. The generator is seeded per
/// sample by the caller, so the crop of (seed, epoch, sample) is always the same.
/// </summary>
public sealed class RandomResizedCrop(int size, double minScale, double maxScale)
{
    private const double MinRatio = 3.0 / 4.0;
    private const double MaxRatio = 4.0 / 3.0;

    public void Apply(Image<Rgb24> image, DeterministicRandom random)
    {
        var crop = ChooseCrop(image.Width, image.Height, random);
        image.Mutate(x => x.Crop(crop).Resize(size, size, KnownResamplers.Bicubic));
    }

    public Rectangle ChooseCrop(int width, int height, DeterministicRandom random)
    {
        double area = (double)width * height;
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var targetArea = area * random.NextDouble(minScale, maxScale);
            var ratio = Math.Exp(random.NextDouble(Math.Log(MinRatio), Math.Log(MaxRatio)));
            var w = (int)Math.Round(Math.Sqrt(targetArea * ratio));
            var h = (int)Math.Round(Math.Sqrt(targetArea / ratio));
            if (w <= 0 || h <= 0 || w > width || h > height) continue;
            return new Rectangle(random.NextInt(0, width - w + 1), random.NextInt(0, height - h + 1), w, h);
        }
        var imageRatio = (double)width / height;
        var (cw, ch) = imageRatio < MinRatio ? (width, (int)Math.Round(width / MinRatio))
            : imageRatio > MaxRatio ? ((int)Math.Round(height * MaxRatio), height)
            : (width, height);
        return new Rectangle((width - cw) / 2, (height - ch) / 2, cw, ch);
    }
}
