using TinyClip.Data.Layouts;

namespace TinyClip.Data.Manifest;

/// <summary>One usable Parquet file: its columns and the row count of each row group, from the footer.</summary>
/// <param name="ETag">A remote file's ETag when the manifest was built (null for local files): a download must match it.</param>
/// <param name="Sha256">A remote file's SHA-256 when its index file gave one: a download must match it.</param>
public sealed record ManifestFile(string Path, long Length, ColumnMapping Columns, long[] RowGroupRows, string? ETag = null, string? Sha256 = null);
