namespace TinyClip.Data.Settings;

/// <summary>Every data-pipeline tunable, read from <c>tinyclip.data</c> in HOCON (the defaults are reference.conf's, not here).</summary>
public sealed record DataSettings(
    ColumnNames Columns,
    DecodeSettings Decode,
    OrderSettings Order,
    StreamSettings Stream,
    ManifestSettings Manifest,
    CacheSettings Cache,
    S3Settings S3)
{
    /// <summary>Fails before training starts on values that cannot work.</summary>
    public void Validate()
    {
        Require(Decode.ImageSize > 0, "decode.image-size must be positive");
        Require(Decode.ContextLength > 1, "decode.context-length must be at least 2");
        Require(Decode.MaxPixels > 0, "decode.max-pixels must be positive");
        Require(Decode.AllocationLimitMegabytes > 0, "decode.allocation-limit-mb must be positive");
        Require(Decode.MinScale > 0 && Decode.MinScale <= Decode.MaxScale && Decode.MaxScale <= 1, "decode scale must satisfy 0 < min <= max <= 1");
        Require(Order.BatchSize > 0, "order.batch-size must be positive");
        Require(Order.WindowRowGroups > 0, "order.window-row-groups must be positive");
        Require(Order.Lanes > 0, "order.lanes must be positive");
        Require(Stream.ReadAheadWindows > 0, "stream.read-ahead-windows must be positive");
        Require(Stream.DecodeParallelism > 0, "stream.decode-parallelism must be positive");
        Require(Stream.BatchesInFlight > 0, "stream.batches-in-flight must be positive");
        // The last wait is read-retry-backoff x 2^(read-retries - 1): at these bounds 22 days, within what Task.Delay takes.
        Require(Stream.ReadRetries is >= 0 and <= 16, "stream.read-retries must be between 0 and 16");
        Require(Stream.ReadRetryBackoff >= TimeSpan.Zero && Stream.ReadRetryBackoff <= TimeSpan.FromMinutes(1), "stream.read-retry-backoff must be between 0 and 1 minute");
        Require(Manifest.ParallelReads > 0, "manifest.parallel-reads must be positive");
        Require(Cache.MaxBytes > 0, "cache.max-bytes must be positive");
        Require(Cache.ConcurrentDownloads > 0, "cache.concurrent-downloads must be positive");
        Require(Cache.ReadAheadShards >= 0, "cache.read-ahead-shards must not be negative");
        Require(Cache.DownloadRetries is >= 0 and <= 16, "cache.download-retries must be between 0 and 16");
        Require(Cache.DownloadRetryBackoff >= TimeSpan.Zero && Cache.DownloadRetryBackoff <= TimeSpan.FromMinutes(1), "cache.download-retry-backoff must be between 0 and 1 minute");
        Require(Cache.StallTimeout > TimeSpan.Zero, "cache.stall-timeout must be positive");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition) throw new DataConfigurationException(message);
    }
}
