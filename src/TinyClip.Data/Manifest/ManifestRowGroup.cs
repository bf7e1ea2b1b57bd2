namespace TinyClip.Data.Manifest;

/// <summary>
/// A row group as a unit of order and reading. <paramref name="FirstSampleId"/> numbers samples
/// across the whole manifest (file order, then row-group order, then row), so a sample id is stable
/// for a manifest and seeds its augmentation.
/// </summary>
public sealed record ManifestRowGroup(int FileIndex, int RowGroupIndex, long RowCount, long FirstSampleId);
