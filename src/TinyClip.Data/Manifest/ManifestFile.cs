using TinyClip.Data.Layouts;

namespace TinyClip.Data.Manifest;

/// <summary>One usable Parquet file: its columns and the row count of each row group, from the footer.</summary>
public sealed record ManifestFile(string Path, long Length, ColumnMapping Columns, long[] RowGroupRows);
