using System.Runtime.InteropServices;
using TinyClip.Data.Pipeline;
using TinyClip.Model.Imaging;
using static TorchSharp.torch;

namespace TinyClip.Actors.Training;

/// <summary>A batch's image bytes as the model's input on a device: copied block by block as bytes, normalised there.</summary>
public static class ImageInput
{
    public static Tensor ToDevice(ImageRows rows, Device device)
    {
        if (rows.Count == 0) throw new ArgumentException("no image rows");
        using var scope = NewDisposeScope();
        var blocks = rows.Blocks.Select(block =>
        {
            var part = empty(new long[] { block.Length / rows.RowBytes, 3, rows.ImageSize, rows.ImageSize }, ScalarType.Byte);
            part.bytes = MemoryMarshal.AsMemory(block).Span; // the setter only copies from it
            return part;
        }).ToList();
        var pixels = blocks.Count == 1 ? blocks[0] : cat(blocks, 0);
        return ClipImageNormalization.Apply(pixels.to(device)).MoveToOuterDisposeScope();
    }
}
