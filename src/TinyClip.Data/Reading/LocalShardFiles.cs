using TinyClip.Data.Manifest;

namespace TinyClip.Data.Reading;

/// <summary>Local data: a manifest file is read where it is.</summary>
public sealed class LocalShardFiles : IShardFiles
{
    public static LocalShardFiles Instance { get; } = new();

    public Task<ShardLease> AcquireAsync(ManifestFile file, CancellationToken cancellationToken) => Task.FromResult(new ShardLease(file.Path));

    public void ReadAhead(IEnumerable<ManifestFile> upcoming) { }
}
