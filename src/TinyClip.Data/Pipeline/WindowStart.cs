using TinyClip.Data.Ordering;

namespace TinyClip.Data.Pipeline;

/// <summary>A window to read and the epoch position inside it where reading begins (a cursor may point mid-window).</summary>
public sealed record WindowStart(OrderWindow Window, long FromPosition);
