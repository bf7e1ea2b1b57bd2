namespace TinyClip.Data.Settings;

/// <summary>The local cache that remote shards (<c>http(s)://</c>, <c>s3://</c>) are downloaded into before they are read.</summary>
/// <param name="Directory">Where shards are kept; null puts <c>shard-cache</c> in the run directory.</param>
/// <param name="MaxBytes">The most bytes the cache holds, partial downloads included.</param>
/// <param name="ConcurrentDownloads">Shards downloaded at the same time.</param>
/// <param name="ReadAheadShards">Distinct shards, in the training order from the window being read on, that a lane keeps downloaded.</param>
/// <param name="DownloadRetries">Retries of a request that failed in a way that may pass (dropped, truncated, stalled, 5xx).</param>
/// <param name="DownloadRetryBackoff">The wait before the first retry; it doubles before each next one.</param>
/// <param name="StallTimeout">A request that delivers no byte for this long is dropped and retried.</param>
public sealed record CacheSettings(
    string? Directory,
    long MaxBytes,
    int ConcurrentDownloads,
    int ReadAheadShards,
    int DownloadRetries,
    TimeSpan DownloadRetryBackoff,
    TimeSpan StallTimeout);
