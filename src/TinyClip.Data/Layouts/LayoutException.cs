namespace TinyClip.Data.Layouts;

/// <summary>A file's schema does not fit any layout or the configured columns; the file is quarantined.</summary>
public sealed class LayoutException(string message) : Exception(message);
