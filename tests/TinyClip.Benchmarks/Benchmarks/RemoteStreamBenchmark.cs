using Akka.Actor;
using TinyClip.Benchmarks.Harness;
using TinyClip.Data.Layouts;
using TinyClip.Data.Manifest;
using TinyClip.Data.Pipeline;
using TinyClip.Data.Quarantine;
using TinyClip.Data.Remote;
using TinyClip.Data.Synthetic;
using TinyClip.Data.Tests.Remote;

namespace TinyClip.Benchmarks.Benchmarks;

/// <summary>
/// Samples per second out of the Akka.Streams feed when the shards stream from a loopback HTTP server through a shard
/// cache of two shards, against the same shards read from local disk.
/// </summary>
public sealed class RemoteStreamBenchmark : IBenchmark
{
    private const int ImageSize = 64, RowsPerShard = 200, RowGroupSize = 50, BatchSize = 32;

    public string Name => "remote";

    public async Task<BenchmarkSection> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        int rows = options.Pick(1600, 3200);
        int batches = rows / BatchSize;
        var section = new BenchmarkSection("16. Remote shards: streaming from HTTP through a bounded cache",
            $"{rows} synthetic {ImageSize} px samples in img2dataset shards of {RowsPerShard} rows (row groups of {RowGroupSize}, Snappy). " +
            "*Remote*: the shards served by the tests' Kestrel server on 127.0.0.1 (`ShardHttpServer`), the manifest built once from their footers " +
            "(range requests), then each epoch read through a fresh, empty `ShardCache` with `max-bytes` = 2 x the largest shard (the read-ahead is " +
            "lowered to 2 shards), 4 concurrent downloads. *Local*: the same files from local disk (page cache). Both: `BatchFeed.RunToChannel` with the " +
            $"shipped stream settings (decode parallelism 2), batch {BatchSize}, model input {ImageSize} px, timed from materialising the graph to the last of " +
            $"{batches} batches (one epoch). One warm-up epoch each, then {options.Repeats} timed repeats alternating; ratios per repeat.")
            .Columns("source", "samples/s", "remote / local", "whole-shard downloads per epoch");

        using var scratch = new TempDirectory("remote");
        await SyntheticDataset.WriteAsync(new SynthOptions(scratch.Path, rows, 0, ImageSize, Seed: 1, RowsPerFile: RowsPerShard, RowGroupSize: RowGroupSize), cancellationToken);
        var train = Path.Combine(scratch.Path, "train");
        await using var server = await ShardHttpServer.StartAsync();
        var urls = server.ServeDirectory(train);
        var settings = SyntheticShards.Settings(s => s with
        {
            Decode = s.Decode with { ImageSize = ImageSize },
            Order = s.Order with { BatchSize = BatchSize },
            Stream = s.Stream with { DecodeParallelism = 2 },
        });
        var access = RemoteAccess.From(settings);
        var shards = await RemoteInputs.ResolveAsync(urls, access.Store, cancellationToken);
        var remoteManifest = await RemoteManifestBuilder.BuildAsync(shards, settings.Columns, DatasetUse.Training, new QuarantineLog(), access.FooterReader(),
            settings.Manifest.ParallelReads, cancellationToken);
        var localManifest = await DatasetManifest.BuildAsync([train], settings.Columns, new QuarantineLog(), FooterReads.FromFiles(settings.Manifest), cancellationToken);
        var largest = remoteManifest.Files.Max(f => f.Length);
        var cacheSettings = settings.Cache with { MaxBytes = 2 * largest };
        using var system = SyntheticShards.ActorSystem();

        var localRates = new List<double>();
        var remoteRates = new List<double>();
        var downloads = new List<double>();
        for (int r = -1; r < options.Repeats; r++)
        {
            double local = rows / await FeedEpoch.TimeAsync(new BatchPipeline(localManifest, settings, new HashTokenizer(1024), new QuarantineLog()), batches, system, cancellationToken);
            var cacheDirectory = Path.Combine(scratch.Path, $"cache-{r + 1}");
            var before = server.Requests.Count(q => q.Range == "bytes=0-");
            double remote;
            using (var cache = access.OpenCache(cacheDirectory, cacheSettings, remoteManifest.Files, _ => { }))
                remote = rows / await FeedEpoch.TimeAsync(new BatchPipeline(remoteManifest, settings, new HashTokenizer(1024), new QuarantineLog(), shards: cache),
                    batches, system, cancellationToken);
            Directory.Delete(cacheDirectory, recursive: true);
            if (r < 0) continue;
            localRates.Add(local);
            remoteRates.Add(remote);
            downloads.Add(server.Requests.Count(q => q.Range == "bytes=0-") - before);
        }
        section.Row("local files", Spread.Of(localRates).Format("F0"), "1.00", "–");
        section.Row($"HTTP, cache of 2 shards ({2 * largest / 1024} KiB)", Spread.Of(remoteRates).Format("F0"),
            Spread.Of(remoteRates.Zip(localRates, (a, b) => a / b)).Format("F2"), $"{Spread.Of(downloads).Format("F0")} (of {urls.Count} shards)");
        section.Note("Both feeds do the same decode work; the remote one adds the downloads (loopback, so no network latency: what is measured is " +
                     "the cache's own cost, copying and checking whole shards, and the re-downloads a two-shard cache forces). The shipped " +
                     $"`order.lanes` = 12 gives {new BatchPipeline(localManifest, settings, new HashTokenizer(1024), new QuarantineLog()).Layout.Lanes} lanes " +
                     "here, each reading its row groups from its own shards at the same time, so a cache of two shards evicts shards that another " +
                     "lane still needs: the download count shows how often each shard came again. A cache that holds what all lanes read at " +
                     "once (about lanes x read-ahead shards) should avoid most of them; that size was not measured here.");
        return section;
    }
}
