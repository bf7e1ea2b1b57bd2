using TinyClip.Data.Settings;

namespace TinyClip.Data.Remote;

/// <summary>Where a process keeps remote shards: <c>cache.dir</c>, or <c>shard-cache</c> in the run directory.</summary>
public static class RemoteCacheDirectory
{
    public static string Of(CacheSettings settings, string runDirectory) =>
        Path.GetFullPath(settings.Directory ?? Path.Combine(runDirectory, "shard-cache"));
}
