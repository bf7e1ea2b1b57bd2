using TinyClip.Data.Manifest;
using TinyClip.Data.Pipeline;
using TinyClip.Data.Quarantine;
using TinyClip.Data.Reading;
using TinyClip.Data.Remote;
using TinyClip.Data.Tests.Support;

namespace TinyClip.Data.Tests.Remote;

public sealed class ShardCacheTests
{
    /// <summary>A cache seen from the reader's side: the directory's size is sampled on every acquire and release.</summary>
    private sealed class SampledShardFiles(IShardFiles inner, Func<long> sample) : IShardFiles
    {
        public long Largest { get; private set; }

        public async Task<ShardLease> AcquireAsync(ManifestFile file, CancellationToken cancellationToken)
        {
            Sample();
            var lease = await inner.AcquireAsync(file, cancellationToken);
            Sample();
            return new ShardLease(lease.LocalPath, () => { Sample(); lease.Dispose(); });
        }

        public void ReadAhead(IEnumerable<ManifestFile> upcoming)
        {
            inner.ReadAhead(upcoming);
            Sample();
        }

        private void Sample()
        {
            lock (this) Largest = Math.Max(Largest, sample());
        }
    }

    [Fact]
    public async Task Batches_read_through_a_cache_of_two_shards_are_those_of_the_local_files_and_the_cache_stays_under_its_limit()
    {
        await using var shards = await RemoteShards.StartAsync(rows: 96, rowsPerFile: 16, rowGroup: 4);
        var settings = Pipelines.Settings(batchSize: 8, window: 2, imageSize: 16, lanes: 2);
        var local = new BatchPipeline(await shards.LocalManifestAsync(), settings, new WordHashTokenizer(), new QuarantineLog());
        var manifest = await shards.RemoteManifestAsync();
        var limit = 2 * shards.LargestShard;
        using var cache = shards.OpenCache(manifest, limit, readAhead: 4);
        var sampled = new SampledShardFiles(cache, shards.CacheDirectoryBytes);
        var remote = new BatchPipeline(manifest, settings, new WordHashTokenizer(), new QuarantineLog(), shards: sampled);

        // A sampler beside the reads catches downloads under way between two reads.
        using var reading = new CancellationTokenSource();
        long sampledBeside = 0;
        var sampler = Task.Run(async () =>
        {
            while (!reading.IsCancellationRequested)
            {
                sampledBeside = Math.Max(sampledBeside, shards.CacheDirectoryBytes());
                await Task.Yield();
            }
        });
        var expected = await Pipelines.TakeAsync(local, local.Start, 24);
        var actual = await Pipelines.TakeAsync(remote, remote.Start, 24);
        reading.Cancel();
        await sampler;

        Assert.Equal(expected.Select(b => b.Keys), actual.Select(b => b.Keys));
        Assert.Equal(expected.SelectMany(b => b.Tokens), actual.SelectMany(b => b.Tokens));
        for (var i = 0; i < expected.Count; i++)
            for (var row = 0; row < expected[i].Count; row++)
                Assert.True(expected[i].Images.Row(row).SequenceEqual(actual[i].Images.Row(row)), $"batch {i} row {row}");
        Assert.InRange(sampled.Largest, 1, limit);
        Assert.InRange(sampledBeside, 0, limit);
        Assert.InRange(cache.ReservedBytes, 1, limit);
        Assert.Equal(2, cache.ReadAheadShards);
    }

    [Fact]
    public async Task A_limit_smaller_than_the_largest_shard_is_refused_at_start()
    {
        await using var shards = await RemoteShards.StartAsync();
        var manifest = await shards.RemoteManifestAsync();
        var error = Assert.Throws<DataConfigurationException>(() => shards.OpenCache(manifest, shards.LargestShard - 1));
        Assert.Contains("data.cache.max-bytes", error.Message);
        Assert.Contains("smaller than the largest shard", error.Message);
    }

    [Fact]
    public async Task A_limit_too_small_for_the_read_ahead_lowers_it_and_says_so()
    {
        await using var shards = await RemoteShards.StartAsync();
        var manifest = await shards.RemoteManifestAsync();
        var messages = new List<string>();
        using var cache = shards.OpenCache(manifest, 2 * shards.LargestShard + 1, readAhead: 5, log: messages.Add);
        Assert.Equal(2, cache.ReadAheadShards);
        Assert.Contains("read-ahead-shards lowered from 5 to 2", Assert.Single(messages));
    }

    [Fact]
    public async Task A_second_process_cannot_open_the_same_cache_directory()
    {
        await using var shards = await RemoteShards.StartAsync();
        var manifest = await shards.RemoteManifestAsync();
        using var first = shards.OpenCache(manifest, 4 * shards.LargestShard);
        var error = Assert.Throws<DataConfigurationException>(() => shards.OpenCache(manifest, 4 * shards.LargestShard));
        Assert.Contains("in use by another process", error.Message);
    }

    [Fact]
    public async Task Whole_shards_left_by_an_earlier_process_are_kept_and_partial_ones_deleted()
    {
        await using var shards = await RemoteShards.StartAsync();
        var manifest = await shards.RemoteManifestAsync();
        using (var cache = shards.OpenCache(manifest, 4 * shards.LargestShard))
            (await cache.AcquireAsync(manifest.Files[0], CancellationToken.None)).Dispose();
        var partial = Path.Combine(shards.CacheDirectory, ShardCache.FileNameOf(manifest.Files[1]) + ShardDownloader.PartSuffix);
        File.WriteAllBytes(partial, new byte[100]);
        var requests = shards.Server.Requests.Count;

        using var reopened = shards.OpenCache(manifest, 4 * shards.LargestShard);
        using var lease = await reopened.AcquireAsync(manifest.Files[0], CancellationToken.None);

        Assert.Equal(requests, shards.Server.Requests.Count);
        Assert.False(File.Exists(partial));
        Assert.Equal(manifest.Files[0].Length, reopened.ReservedBytes);
    }
}
