namespace TinyClip.Data.Settings;

/// <summary>Image decoding limits and the output geometry of one sample.</summary>
/// <param name="ImageSize">Side S of the square CHW output (3*S*S floats per sample).</param>
/// <param name="ContextLength">Tokens per caption.</param>
/// <param name="MaxPixels">Width*height above which an image is rejected after <c>Image.Identify</c>, before decoding (decompression bombs).</param>
/// <param name="AllocationLimitMegabytes">ImageSharp's per-allocation cap; a decoder asking for more fails that one sample.</param>
/// <param name="MinScale">Lower bound of the RandomResizedCrop area fraction (train only).</param>
/// <param name="MaxScale">Upper bound of the RandomResizedCrop area fraction.</param>
public sealed record DecodeSettings(
    int ImageSize,
    int ContextLength,
    long MaxPixels,
    int AllocationLimitMegabytes,
    double MinScale,
    double MaxScale);
