using TinyClip.Data.Quarantine;

namespace TinyClip.Data.Manifest;

/// <summary>A file found under the inputs whose contents are not a usable shard (damaged, no usable layout), and why.</summary>
public sealed record LeftOutFile(string Path, long Length, string Reason)
{
    public QuarantineEntry ToQuarantineEntry() => new(Path, null, null, Reason, QuarantineKind.File);
}
