namespace TinyClip.Data.Imaging;

/// <summary>An image refused before or during decoding (empty, unknown format, too many pixels).</summary>
public sealed class ImageRejectedException(string message) : Exception(message);
