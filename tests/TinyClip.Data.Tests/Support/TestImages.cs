using System.Buffers.Binary;
using System.Text;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.PixelFormats;

namespace TinyClip.Data.Tests.Support;

/// <summary>Small encoded images, good and bad, made in memory.</summary>
public static class TestImages
{
    public static Image<Rgb24> Gradient(int width, int height, int seed = 0)
    {
        var image = new Image<Rgb24>(width, height);
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
                image[x, y] = new Rgb24((byte)(x * 7 + seed * 31), (byte)(y * 5 + seed * 17), (byte)(x + y + seed));
        return image;
    }

    public static byte[] Jpeg(int width = 12, int height = 10, int seed = 0) => Encode(Gradient(width, height, seed), (i, s) => i.SaveAsJpeg(s));
    public static byte[] Png(int width = 12, int height = 10, int seed = 0) => Encode(Gradient(width, height, seed), (i, s) => i.Save(s, new PngEncoder()));
    public static byte[] WebP(int width = 12, int height = 10, int seed = 0) => Encode(Gradient(width, height, seed), (i, s) => i.Save(s, new WebpEncoder { FileFormat = WebpFileFormatType.Lossless }));
    public static byte[] Bmp(int width = 12, int height = 10) => Encode(Gradient(width, height), (i, s) => i.SaveAsBmp(s));

    /// <summary>A valid PNG header (signature + IHDR with correct CRC) claiming the given size, with no pixel data: a decompression bomb's front.</summary>
    public static byte[] PngHeaderClaiming(int width, int height)
    {
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 2; // colour type: RGB
        using var stream = new MemoryStream();
        stream.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        WriteChunk(stream, "IHDR", ihdr);
        WriteChunk(stream, "IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
        WriteChunk(stream, "IEND", []);
        return stream.ToArray();
    }

    private static void WriteChunk(Stream stream, string type, byte[] data)
    {
        var header = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(header, data.Length);
        stream.Write(header);
        var typeAndData = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        stream.Write(typeAndData);
        BinaryPrimitives.WriteUInt32BigEndian(header, Crc32(typeAndData));
        stream.Write(header);
    }

    private static uint Crc32(byte[] bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
        }
        return ~crc;
    }

    private static byte[] Encode(Image<Rgb24> image, Action<Image<Rgb24>, Stream> save)
    {
        using (image)
        using (var stream = new MemoryStream())
        {
            save(image, stream);
            return stream.ToArray();
        }
    }
}
