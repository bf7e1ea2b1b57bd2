using TinyClip.Data.Manifest;
using TinyClip.Data.Settings;

namespace TinyClip.Data.Remote;

/// <summary>One way of reaching remote shards: the store, the retries and the stall timeout that footer reads and downloads share.</summary>
public sealed record RemoteAccess(IObjectStore Store, FetchRetry Retry, TimeSpan StallTimeout)
{
    /// <summary>HTTP(S) and S3 as <c>tinyclip.data.s3</c> and <c>tinyclip.data.cache</c> say, waiting for real between retries.</summary>
    public static RemoteAccess From(DataSettings data) =>
        new(SchemeObjectStore.From(data.S3, data.Cache.StallTimeout), new FetchRetry(data.Cache.DownloadRetries, data.Cache.DownloadRetryBackoff), data.Cache.StallTimeout);

    public RemoteFooterReader FooterReader() => new(Store, Retry, StallTimeout);

    public ShardDownloader Downloader() => new(Store, Retry, StallTimeout);

    /// <summary>The cache for <paramref name="files"/> in <paramref name="directory"/>, downloading through this access.</summary>
    public ShardCache OpenCache(string directory, CacheSettings settings, IReadOnlyList<ManifestFile> files, Action<string> log) =>
        ShardCache.Open(directory, settings, files, Downloader(), log);
}
