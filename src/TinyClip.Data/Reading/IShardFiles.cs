using TinyClip.Data.Manifest;

namespace TinyClip.Data.Reading;

/// <summary>
/// Where the row-group reader finds a manifest file's bytes on local disk: the file itself for local data
/// (<see cref="LocalShardFiles"/>), a cached download for remote data (<see cref="Remote.ShardCache"/>).
/// </summary>
public interface IShardFiles
{
    /// <summary>A local copy of <paramref name="file"/>, kept until the lease is disposed.</summary>
    /// <exception cref="Remote.ShardFetchException">A remote file could not be fetched, or was refused.</exception>
    Task<ShardLease> AcquireAsync(ManifestFile file, CancellationToken cancellationToken);

    /// <summary>The files the reader will want next, in order: a cache starts fetching the first ones.</summary>
    void ReadAhead(IEnumerable<ManifestFile> upcoming);
}
