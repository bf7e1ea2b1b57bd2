using TinyClip.Data.Layouts;
using TinyClip.Data.Pipeline;
using TinyClip.Data.Quarantine;
using TinyClip.Data.Remote;
using TinyClip.Data.Tests.Support;

namespace TinyClip.Data.Tests.Remote;

/// <summary>s3:// shards from an S3-compatible server (s3rver, <see cref="S3rverServer"/>).</summary>
[Trait("Category", "Integration")]
public sealed class S3ShardTests : IClassFixture<S3ShardTests.Server>
{
    public sealed class Server : IDisposable
    {
        public S3rverServer S3 { get; } = new();

        public void Dispose() => S3.Dispose();
    }

    private readonly S3rverServer _s3;

    public S3ShardTests(Server server) => _s3 = server.S3;

    [Fact]
    public async Task Shards_listed_under_an_s3_prefix_give_the_local_manifest_and_the_local_batches()
    {
        await using var shards = await RemoteShards.StartAsync(rows: 64, rowsPerFile: 16, rowGroup: 4);
        var prefix = await _s3.UploadAsync(shards.LocalDirectory, "manifest-test/train");
        using var store = _s3.Store();
        var access = new RemoteAccess(store, new FetchRetry(3, TimeSpan.Zero), TimeSpan.FromSeconds(10));

        var listed = await RemoteInputs.ResolveAsync([prefix], store, CancellationToken.None);
        var manifest = await RemoteManifestBuilder.BuildAsync(listed, new(), DatasetUse.Training, new QuarantineLog(), access.FooterReader(), 4);
        var local = await shards.LocalManifestAsync();
        Assert.Equal(4, listed.Count);
        Assert.All(listed, s => Assert.StartsWith(prefix + "/", s.Url));
        Assert.Equal(local.ContentHash, manifest.ContentHash);
        Assert.All(manifest.Files, f => Assert.False(string.IsNullOrEmpty(f.ETag)));

        var settings = Pipelines.Settings(batchSize: 8, window: 2, imageSize: 16);
        using var cache = access.OpenCache(shards.CacheDirectory, RemoteShards.Cache(2 * shards.LargestShard), manifest.Files, _ => { });
        var remote = new BatchPipeline(manifest, settings, new WordHashTokenizer(), new QuarantineLog(), shards: cache);
        var fromDisk = new BatchPipeline(local, settings, new WordHashTokenizer(), new QuarantineLog());
        var expected = await Pipelines.TakeAsync(fromDisk, fromDisk.Start, 10);
        var actual = await Pipelines.TakeAsync(remote, remote.Start, 10);
        Assert.Equal(expected.Select(b => b.Keys), actual.Select(b => b.Keys));
        Assert.Equal(expected.SelectMany(b => b.Tokens), actual.SelectMany(b => b.Tokens));
    }

    [Fact]
    public async Task An_s3_object_replaced_after_the_manifest_is_refused_naming_it()
    {
        await using var shards = await RemoteShards.StartAsync(rows: 32, rowsPerFile: 16, rowGroup: 4);
        var prefix = await _s3.UploadAsync(shards.LocalDirectory, "etag-test/train");
        using var store = _s3.Store();
        var access = new RemoteAccess(store, new FetchRetry(3, TimeSpan.Zero), TimeSpan.FromSeconds(10));
        var listed = await RemoteInputs.ResolveAsync([prefix], store, CancellationToken.None);
        var manifest = await RemoteManifestBuilder.BuildAsync(listed, new(), DatasetUse.Training, new QuarantineLog(), access.FooterReader(), 4);

        // The same bytes of another shard under the first one's key: same size, new ETag.
        var files = Directory.GetFiles(shards.LocalDirectory, "*.parquet").Order(StringComparer.Ordinal).ToArray();
        using (var client = _s3.Client())
            await client.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest
                { BucketName = S3rverServer.Bucket, Key = $"etag-test/train/{Path.GetFileName(files[0])}", FilePath = files[1], UseChunkEncoding = false });

        Directory.CreateDirectory(shards.CacheDirectory);
        var error = await Assert.ThrowsAsync<ShardFetchException>(() =>
            access.Downloader().DownloadAsync(manifest.Files[0], Path.Combine(shards.CacheDirectory, "x.parquet"), CancellationToken.None));
        Assert.Contains(manifest.Files[0].Path, error.Message);
        Assert.Contains("ETag", error.Message);
    }
}
