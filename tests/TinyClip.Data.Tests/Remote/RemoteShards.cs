using TinyClip.Data.Layouts;
using TinyClip.Data.Manifest;
using TinyClip.Data.Quarantine;
using TinyClip.Data.Remote;
using TinyClip.Data.Settings;
using TinyClip.Data.Synthetic;
using TinyClip.Data.Tests.Support;

namespace TinyClip.Data.Tests.Remote;

/// <summary>A few synthetic shards on disk, served by a <see cref="ShardHttpServer"/>; retries wait nothing, stalls are cut after a short while.</summary>
public sealed class RemoteShards : IAsyncDisposable
{
    private RemoteShards(TempDirectory directory, ShardHttpServer server, IReadOnlyList<string> urls)
    {
        Directory = directory;
        Server = server;
        Urls = urls;
        Access = new RemoteAccess(new HttpObjectStore(new HttpClient { Timeout = TimeSpan.FromSeconds(30) }), new FetchRetry(5, TimeSpan.Zero), TimeSpan.FromMilliseconds(300));
    }

    public TempDirectory Directory { get; }

    public ShardHttpServer Server { get; }

    public IReadOnlyList<string> Urls { get; }

    public RemoteAccess Access { get; }

    public string LocalDirectory => Directory.File("data/train");

    public string CacheDirectory => Directory.File("cache");

    /// <param name="rows">Training rows, <paramref name="rowsPerFile"/> to a shard, in row groups of <paramref name="rowGroup"/>.</param>
    public static async Task<RemoteShards> StartAsync(int rows = 48, int rowsPerFile = 16, int rowGroup = 4)
    {
        var directory = new TempDirectory();
        await SyntheticDataset.WriteAsync(new SynthOptions(directory.File("data"), rows, 0, ImageSize: 16, Seed: 5, RowsPerFile: rowsPerFile, RowGroupSize: rowGroup));
        var server = await ShardHttpServer.StartAsync();
        return new RemoteShards(directory, server, server.ServeDirectory(Path.Combine(directory.Path, "data", "train")));
    }

    public static string NameOf(string url) => new Uri(url).AbsolutePath.TrimStart('/');

    public long LargestShard => System.IO.Directory.GetFiles(LocalDirectory, "*.parquet").Max(f => new FileInfo(f).Length);

    public Task<DatasetManifest> LocalManifestAsync() => Pipelines.ManifestAsync([LocalDirectory], new ColumnNames(), new QuarantineLog());

    public async Task<DatasetManifest> RemoteManifestAsync()
    {
        var shards = await RemoteInputs.ResolveAsync(Urls, Access.Store, CancellationToken.None);
        return await RemoteManifestBuilder.BuildAsync(shards, new ColumnNames(), DatasetUse.Training, new QuarantineLog(), Access.FooterReader(), 4);
    }

    public static CacheSettings Cache(long maxBytes, int readAhead = 2, int downloads = 2) =>
        Pipelines.Shipped.Cache with { MaxBytes = maxBytes, ReadAheadShards = readAhead, ConcurrentDownloads = downloads };

    public ShardCache OpenCache(DatasetManifest manifest, long maxBytes, int readAhead = 2, Action<string>? log = null) =>
        Access.OpenCache(CacheDirectory, Cache(maxBytes, readAhead), manifest.Files, log ?? (_ => { }));

    /// <summary>Bytes of the files in the cache directory now (whole shards and partial downloads).</summary>
    public long CacheDirectoryBytes() =>
        System.IO.Directory.Exists(CacheDirectory)
            ? new DirectoryInfo(CacheDirectory).EnumerateFiles().Where(f => f.Name != ShardCache.LockFileName).Sum(f => { try { return f.Length; } catch (FileNotFoundException) { return 0; } })
            : 0;

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Directory.Dispose();
    }
}
