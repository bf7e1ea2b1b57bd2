using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.PixelFormats;
using TinyClip.Data.Settings;

namespace TinyClip.Data.Imaging;

/// <summary>
/// Decodes untrusted image bytes with a restricted ImageSharp configuration: only JPEG, PNG and WebP
/// decoders are registered (less attack surface than the default's BMP/GIF/TGA/TIFF), every buffer is
/// capped by the allocator, and the header is identified first so that a small file claiming huge
/// dimensions is refused before any pixel memory is asked for.
/// </summary>
public sealed class ImageDecoder
{
    private readonly long _maxPixels;

    public ImageDecoder(DecodeSettings settings)
    {
        _maxPixels = settings.MaxPixels;
        Configuration = new Configuration(new JpegConfigurationModule(), new PngConfigurationModule(), new WebpConfigurationModule())
        {
            MemoryAllocator = MemoryAllocator.Create(new MemoryAllocatorOptions { AllocationLimitMegabytes = settings.AllocationLimitMegabytes }),
            // Samples are decoded in parallel by the pipeline; one image uses one thread.
            MaxDegreeOfParallelism = 1,
        };
    }

    /// <summary>The restricted configuration; transforms run with it too.</summary>
    public Configuration Configuration { get; }

    /// <exception cref="ImageRejectedException">Empty bytes, unknown format or too many pixels.</exception>
    /// <exception cref="Exception">ImageSharp's own errors for corrupt or truncated data.</exception>
    public Image<Rgb24> Decode(byte[] bytes)
    {
        if (bytes.Length == 0) throw new ImageRejectedException("image bytes are empty");
        var info = Image.Identify(Configuration, bytes, out _)
            ?? throw new ImageRejectedException("not a JPEG, PNG or WebP image");
        if ((long)info.Width * info.Height > _maxPixels)
            throw new ImageRejectedException($"image is {info.Width}x{info.Height}, above the limit of {_maxPixels} pixels");
        if (info.Width <= 0 || info.Height <= 0)
            throw new ImageRejectedException($"image has invalid size {info.Width}x{info.Height}");
        return Image.Load<Rgb24>(Configuration, bytes);
    }
}
