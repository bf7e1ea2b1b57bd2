using static TorchSharp.torch;

namespace TinyClip.Model.Imaging;

/// <summary>
/// Turns CHW pixel bytes into the model's input: x / 255 normalised with OpenAI CLIP's per-channel mean and std, as
/// <c>x * (1 / (255 std)) - mean / std</c> in float32, on whatever device the bytes are on (the trainer's: batches
/// travel as bytes, a quarter of float32).
/// </summary>
public static class ClipImageNormalization
{
    public static readonly float[] Mean = [0.48145466f, 0.4578275f, 0.40821073f];
    public static readonly float[] Std = [0.26862954f, 0.26130258f, 0.27577711f];

    private static readonly float[] Scale = [1f / (255f * Std[0]), 1f / (255f * Std[1]), 1f / (255f * Std[2])];
    private static readonly float[] Shift = [Mean[0] / Std[0], Mean[1] / Std[1], Mean[2] / Std[2]];

    /// <summary><paramref name="pixels"/>: B x 3 x S x S bytes. Returns B x 3 x S x S float32 on the same device.</summary>
    public static Tensor Apply(Tensor pixels)
    {
        if (pixels.dtype != ScalarType.Byte || pixels.dim() != 4 || pixels.shape[1] != 3)
            throw new ArgumentException($"expected B x 3 x S x S bytes, got {pixels.dtype} [{string.Join(", ", pixels.shape)}]");
        using var scope = NewDisposeScope();
        var scale = tensor(Scale, device: pixels.device).view(1, 3, 1, 1);
        var shift = tensor(Shift, device: pixels.device).view(1, 3, 1, 1);
        return pixels.to(ScalarType.Float32).mul(scale).sub(shift).MoveToOuterDisposeScope();
    }
}
