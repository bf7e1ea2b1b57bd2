namespace TinyClip.Data.Packing;

/// <summary>One entry of a caption list: an image file (relative to the images directory, or absolute) and its caption.</summary>
public sealed record CaptionedFile(string ImagePath, string Caption);
