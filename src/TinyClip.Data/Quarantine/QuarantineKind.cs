namespace TinyClip.Data.Quarantine;

/// <summary>What was set aside: one sample, one row group, or a whole file.</summary>
public static class QuarantineKind
{
    /// <summary>A row whose image or caption cannot be used (decode failure, bomb, empty caption).</summary>
    public const string Sample = "sample";
    /// <summary>A row img2dataset did not download (<c>status != "success"</c>); counted, not written, because such rows are common.</summary>
    public const string NotDownloaded = "not-downloaded";
    /// <summary>A row group whose pages cannot be read; all its rows are skipped.</summary>
    public const string RowGroup = "row-group";
    /// <summary>A file whose footer or schema cannot be used; it is left out of the manifest.</summary>
    public const string File = "file";
}
