using TinyClip.Data.Manifest;

namespace TinyClip.Data.Remote;

/// <summary>A shard in the <see cref="ShardCache"/>: its download, who holds it, when it was last used. Changed under the cache's gate.</summary>
internal sealed class CachedShard(ManifestFile file, string localPath)
{
    public ManifestFile File { get; } = file;

    public string LocalPath { get; } = localPath;

    public Task Downloaded { get; set; } = Task.CompletedTask;

    /// <summary>The download finished and the file is whole: it may be deleted when nobody holds it.</summary>
    public bool Complete { get; set; }

    /// <summary>A row-group read asked for it (else it was only read ahead).</summary>
    public bool Read { get; set; }

    /// <summary>Row-group reads under way on it.</summary>
    public int Holders { get; set; }

    public long LastUse { get; set; }
}
