using TinyClip.Data.Manifest;
using TinyClip.Data.Quarantine;
using TinyClip.Data.Reading;
using TinyClip.Data.Remote;
using static TinyClip.Data.Tests.Remote.ShardHttpServer;

namespace TinyClip.Data.Tests.Remote;

public sealed class ShardDownloadTests
{
    private static async Task<(RemoteShards Shards, ManifestFile File, string Name, string Destination)> OneShardAsync()
    {
        var shards = await RemoteShards.StartAsync();
        var manifest = await shards.RemoteManifestAsync();
        Directory.CreateDirectory(shards.CacheDirectory);
        return (shards, manifest.Files[0], RemoteShards.NameOf(manifest.Files[0].Path), Path.Combine(shards.CacheDirectory, "shard.parquet"));
    }

    private static string LocalOf(RemoteShards shards, string name) => Path.Combine(shards.LocalDirectory, Path.GetFileName(name));

    [Fact]
    public async Task A_truncated_download_resumes_with_a_range_request_from_the_bytes_on_disk()
    {
        var (shards, file, name, destination) = await OneShardAsync();
        await using var _ = shards;
        shards.Server.Arm(name, new Fault(FaultKind.Truncate, AfterBytes: 1000), new Fault(FaultKind.Truncate, AfterBytes: 500));

        await shards.Access.Downloader().DownloadAsync(file, destination, CancellationToken.None);

        Assert.Equal(File.ReadAllBytes(LocalOf(shards, name)), File.ReadAllBytes(destination));
        var downloads = shards.Server.Requests.Where(r => r.Name == name).Skip(3).Select(r => r.Range ?? "").ToArray(); // after the 3 footer reads
        Assert.Equal(new[] { "bytes=0-", "bytes=1000-", "bytes=1500-" }, downloads);
        Assert.False(File.Exists(destination + ShardDownloader.PartSuffix));
    }

    [Fact]
    public async Task A_dropped_connection_is_retried_and_the_file_is_whole()
    {
        var (shards, file, name, destination) = await OneShardAsync();
        await using var _ = shards;
        shards.Server.Arm(name, new Fault(FaultKind.Drop, AfterBytes: 1000), new Fault(FaultKind.Drop, AfterBytes: 3000));

        await shards.Access.Downloader().DownloadAsync(file, destination, CancellationToken.None);

        Assert.Equal(File.ReadAllBytes(LocalOf(shards, name)), File.ReadAllBytes(destination));
        Assert.Equal(3, shards.Server.Requests.Count(r => r.Name == name) - 3);
    }

    [Fact]
    public async Task A_server_that_ignores_the_range_on_a_retry_gets_the_download_restarted()
    {
        var (shards, file, name, destination) = await OneShardAsync();
        await using var _ = shards;
        shards.Server.Arm(name, new Fault(FaultKind.Truncate, AfterBytes: 1000), new Fault(FaultKind.IgnoreRange));

        await shards.Access.Downloader().DownloadAsync(file, destination, CancellationToken.None);

        Assert.Equal(File.ReadAllBytes(LocalOf(shards, name)), File.ReadAllBytes(destination));
    }

    [Fact]
    public async Task Answers_503_and_a_stalled_body_are_survived()
    {
        var (shards, file, name, destination) = await OneShardAsync();
        await using var _ = shards;
        shards.Server.Arm(name, new Fault(FaultKind.Unavailable), new Fault(FaultKind.Stall, AfterBytes: 700), new Fault(FaultKind.Unavailable));

        await shards.Access.Downloader().DownloadAsync(file, destination, CancellationToken.None);

        Assert.Equal(File.ReadAllBytes(LocalOf(shards, name)), File.ReadAllBytes(destination));
        Assert.Contains(shards.Server.Requests, r => r.Name == name && r.Range == "bytes=700-");
    }

    [Fact]
    public async Task An_object_whose_etag_changed_is_refused_naming_it()
    {
        var (shards, file, name, destination) = await OneShardAsync();
        await using var _ = shards;
        shards.Server.ChangeETag(name, "\"v2\"");

        var error = await Assert.ThrowsAsync<ShardFetchException>(() => shards.Access.Downloader().DownloadAsync(file, destination, CancellationToken.None));

        Assert.Contains(file.Path, error.Message);
        Assert.Contains("changed since the run's manifest was built", error.Message);
        Assert.False(File.Exists(destination));
    }

    [Fact]
    public async Task A_download_whose_sha256_differs_from_the_index_is_refused()
    {
        var (shards, file, _, destination) = await OneShardAsync();
        await using var _ = shards;

        var error = await Assert.ThrowsAsync<ShardFetchException>(() =>
            shards.Access.Downloader().DownloadAsync(file with { Sha256 = new string('0', 64) }, destination, CancellationToken.None));

        Assert.Contains(file.Path, error.Message);
        Assert.Contains("SHA-256", error.Message);
        Assert.False(File.Exists(destination));
        Assert.False(File.Exists(destination + ShardDownloader.PartSuffix));
    }

    [Fact]
    public async Task A_shard_unreachable_after_the_retries_fails_the_row_group_read_without_quarantine()
    {
        await using var shards = await RemoteShards.StartAsync();
        var manifest = await shards.RemoteManifestAsync();
        var name = RemoteShards.NameOf(manifest.Files[0].Path);
        shards.Server.Arm(name, Enumerable.Repeat(new Fault(FaultKind.Unavailable), 6).ToArray());
        using var cache = shards.OpenCache(manifest, 4 * shards.LargestShard);
        var quarantined = shards.Directory.File("quarantine.jsonl");

        var error = await Assert.ThrowsAsync<DataReadException>(() =>
            RowGroupReader.ReadAsync(manifest, manifest.RowGroups[0], new QuarantineLog(quarantined), Support.Pipelines.Retry, shards: cache));

        Assert.Contains("unreachable after 6 attempts", error.Message);
        Assert.Contains(manifest.Files[0].Path, error.Message);
        Assert.False(File.Exists(quarantined));
        Assert.Equal(0, cache.ReservedBytes);
    }
}
