namespace TinyClip.Data.Reading.Guard;

/// <summary>
/// The Parquet.Net release whose decoder this namespace mirrors: the footer and page-header shapes it accepts, and the
/// failure modes it guards against (reads past the footer buffer, wire types ignored). A test fails when the package
/// differs, so an upgrade cannot leave a stale mirror behind.
/// </summary>
public static class MirroredParquetNet
{
    public const string Version = "6.1.0";
}
