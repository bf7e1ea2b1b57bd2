namespace TinyClip.Data.Reading;

/// <summary>
/// The file system failed to open, read or seek a data file: an I/O error, which may pass (a network file system that
/// stalls, a file that is being replaced), as opposed to damaged bytes, which read the same on every try and every node.
/// Only <see cref="IoErrorMarkingStream"/> throws it, so it cannot be mistaken for the plain <see cref="IOException"/>
/// that Parquet.Net throws on damaged data (e.g. "only N out of M bytes are available").
/// </summary>
/// <param name="cause">What the file system threw (its type is kept in the message).</param>
public sealed class FileIoException(Exception cause) : IOException($"{cause.GetType().Name}: {cause.Message}", cause);
