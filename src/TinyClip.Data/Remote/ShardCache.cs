using System.Security.Cryptography;
using System.Text;
using TinyClip.Data.Manifest;
using TinyClip.Data.Reading;
using TinyClip.Data.Settings;

namespace TinyClip.Data.Remote;

/// <summary>
/// A directory of whole remote shards, bounded in bytes. A shard is downloaded when it is read or read ahead
/// (<see cref="ReadAhead"/>), at most <c>concurrent-downloads</c> at a time, and stays while a row-group read holds it.
/// Bytes are reserved before a download starts, for the whole shard, so files and partial downloads together never
/// exceed <see cref="MaxBytes"/>; room is made by deleting the least recently used shard that nobody holds (shards
/// already read before shards only read ahead). A read that finds no room waits for a read to end; a read-ahead that
/// finds none is skipped. The cache is a file source only: what it holds never changes which rows are read.
/// A lock file keeps a second process out of the directory.
/// </summary>
public sealed class ShardCache : IShardFiles, IDisposable
{
    public const string LockFileName = "cache.lock";

    private readonly object _gate = new();
    private readonly Dictionary<string, CachedShard> _shards = new(StringComparer.Ordinal);
    private readonly ShardDownloader _downloader;
    private readonly SemaphoreSlim _downloadSlots;
    private readonly CancellationTokenSource _closing = new();
    private readonly FileStream _lock;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _reserved;
    private long _clock;

    private ShardCache(string directory, long maxBytes, int readAheadShards, int concurrentDownloads, ShardDownloader downloader, FileStream lockFile)
    {
        Directory = directory;
        MaxBytes = maxBytes;
        ReadAheadShards = readAheadShards;
        _downloader = downloader;
        _downloadSlots = new SemaphoreSlim(concurrentDownloads);
        _lock = lockFile;
    }

    public string Directory { get; }

    public long MaxBytes { get; }

    /// <summary>The read-ahead in use: the configured one, or fewer shards when the limit cannot hold that many.</summary>
    public int ReadAheadShards { get; }

    /// <summary>Bytes held by shards and downloads under way (never above <see cref="MaxBytes"/>).</summary>
    public long ReservedBytes
    {
        get { lock (_gate) return _reserved; }
    }

    /// <summary>Opens (and locks) the cache for the files of <paramref name="files"/>; whole shards from an earlier process are kept.</summary>
    /// <param name="log">Told when the read-ahead is lowered.</param>
    /// <exception cref="DataConfigurationException">The limit cannot hold the largest shard, or another process holds the directory.</exception>
    public static ShardCache Open(string directory, CacheSettings settings, IReadOnlyList<ManifestFile> files, ShardDownloader downloader, Action<string> log)
    {
        var largest = files.MaxBy(f => f.Length) ?? throw new DataConfigurationException("the shard cache has no files to hold");
        if (settings.MaxBytes < largest.Length)
            throw new DataConfigurationException($"data.cache.max-bytes = {settings.MaxBytes} is smaller than the largest shard, '{largest.Path}' of " +
                                                 $"{largest.Length} bytes; the cache holds whole shards, so raise the limit to at least that");
        var fits = settings.MaxBytes / largest.Length;
        var readAhead = (int)Math.Min(settings.ReadAheadShards, fits);
        if (readAhead < settings.ReadAheadShards)
            log($"data.cache.read-ahead-shards lowered from {settings.ReadAheadShards} to {readAhead}: data.cache.max-bytes = {settings.MaxBytes} " +
                $"holds only {fits} shard(s) of the largest size ({largest.Length} bytes)");
        System.IO.Directory.CreateDirectory(directory);
        var cache = new ShardCache(directory, settings.MaxBytes, readAhead, settings.ConcurrentDownloads, downloader, Lock(directory));
        cache.Adopt(files);
        return cache;
    }

    public async Task<ShardLease> AcquireAsync(ManifestFile file, CancellationToken cancellationToken)
    {
        // Such a shard (of another manifest than the one the cache was opened for) would wait for room for ever.
        if (file.Length > MaxBytes)
            throw new ShardFetchException(file.Path, 0, $"'{file.Path}' has {file.Length} bytes, more than data.cache.max-bytes = {MaxBytes}");
        while (true)
        {
            CachedShard? shard;
            Task changed;
            lock (_gate)
            {
                if (_shards.TryGetValue(file.Path, out shard) || TryReserve(file.Length, evictUnread: true))
                {
                    shard ??= Start(file);
                    shard.Holders++;
                    shard.Read = true;
                    shard.LastUse = ++_clock;
                }
                changed = _changed.Task;
            }
            if (shard is not null) return await LeaseAsync(shard, cancellationToken);
            await changed.WaitAsync(cancellationToken);
        }
    }

    public void ReadAhead(IEnumerable<ManifestFile> upcoming)
    {
        if (ReadAheadShards == 0) return;
        lock (_gate)
        {
            foreach (var file in upcoming.DistinctBy(f => f.Path).Take(ReadAheadShards))
            {
                if (_shards.ContainsKey(file.Path)) continue;
                // A read-ahead only displaces shards already read: taking a shard that a lane is about to read would waste it.
                if (!TryReserve(file.Length, evictUnread: false)) return;
                Start(file);
            }
        }
    }

    public void Dispose()
    {
        _closing.Cancel();
        _lock.Dispose();
    }

    /// <summary>The file name of a shard version: a changed object (other ETag or size) never reuses a file.</summary>
    public static string FileNameOf(ManifestFile file)
    {
        var identity = Encoding.UTF8.GetBytes($"{file.Path}\n{file.ETag}\n{file.Length}\n{file.Sha256}");
        return $"{Convert.ToHexStringLower(SHA256.HashData(identity))[..32]}-{Path.GetFileName(new Uri(file.Path).AbsolutePath)}";
    }

    private async Task<ShardLease> LeaseAsync(CachedShard shard, CancellationToken cancellationToken)
    {
        try
        {
            await shard.Downloaded.WaitAsync(cancellationToken);
        }
        catch
        {
            Release(shard);
            throw;
        }
        return new ShardLease(shard.LocalPath, () => Release(shard));
    }

    private void Release(CachedShard shard)
    {
        lock (_gate)
        {
            shard.Holders--;
            shard.LastUse = ++_clock;
            Signal();
        }
    }

    /// <summary>Reserves <paramref name="bytes"/>, deleting unheld whole shards (least recently used first) to make room. Called under the gate.</summary>
    private bool TryReserve(long bytes, bool evictUnread)
    {
        while (_reserved + bytes > MaxBytes)
        {
            var victim = _shards.Values.Where(s => s.Complete && s.Holders == 0 && (evictUnread || s.Read))
                .OrderBy(s => s.Read ? 0 : 1).ThenBy(s => s.LastUse).FirstOrDefault();
            if (victim is null) return false;
            Forget(victim);
            File.Delete(victim.LocalPath);
        }
        _reserved += bytes;
        return true;
    }

    /// <summary>Registers a shard whose bytes are reserved and starts its download. Called under the gate.</summary>
    private CachedShard Start(ManifestFile file)
    {
        var shard = new CachedShard(file, Path.Combine(Directory, FileNameOf(file))) { LastUse = ++_clock };
        _shards[file.Path] = shard;
        shard.Downloaded = Task.Run(() => DownloadAsync(shard));
        // A read-ahead nobody waits for may fail; its failure is seen again by the read that fetches the shard anew.
        shard.Downloaded.ContinueWith(t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted);
        return shard;
    }

    private async Task DownloadAsync(CachedShard shard)
    {
        try
        {
            await _downloadSlots.WaitAsync(_closing.Token);
            try
            {
                await _downloader.DownloadAsync(shard.File, shard.LocalPath, _closing.Token);
            }
            finally
            {
                _downloadSlots.Release();
            }
        }
        catch
        {
            lock (_gate)
            {
                Forget(shard);
                Signal();
            }
            File.Delete(shard.LocalPath + ShardDownloader.PartSuffix);
            throw;
        }
        lock (_gate)
        {
            shard.Complete = true;
            Signal();
        }
    }

    private void Forget(CachedShard shard)
    {
        if (_shards.Remove(shard.File.Path)) _reserved -= shard.File.Length;
    }

    private void Signal()
    {
        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
    }

    /// <summary>
    /// Keeps the whole shards an earlier process left (they were checked before they got their name) as far as the limit
    /// allows, and deletes its partial downloads and shards this manifest does not list. Files of other names are not touched.
    /// </summary>
    private void Adopt(IReadOnlyList<ManifestFile> files)
    {
        var byName = files.ToDictionary(FileNameOf, StringComparer.Ordinal);
        foreach (var path in System.IO.Directory.EnumerateFiles(Directory).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(path);
            if (!IsCacheFileName(name)) continue;
            if (byName.TryGetValue(name, out var file) && new FileInfo(path).Length == file.Length && _reserved + file.Length <= MaxBytes)
            {
                _shards[file.Path] = new CachedShard(file, path) { Complete = true, Read = true, LastUse = ++_clock, Downloaded = Task.CompletedTask };
                _reserved += file.Length;
            }
            else
            {
                File.Delete(path);
            }
        }
    }

    private static bool IsCacheFileName(string name) =>
        name.Length > 33 && name[32] == '-' && name[..32].All(char.IsAsciiHexDigitLower)
        && (name.EndsWith(".parquet", StringComparison.Ordinal) || name.EndsWith(".parquet" + ShardDownloader.PartSuffix, StringComparison.Ordinal));

    private static FileStream Lock(string directory)
    {
        var path = Path.Combine(directory, LockFileName);
        try
        {
            var handle = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            handle.SetLength(0);
            handle.Write(Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            handle.Flush();
            return handle;
        }
        catch (IOException)
        {
            string holder = "";
            try { holder = File.ReadAllText(path).Trim(); } catch (IOException) { }
            throw new DataConfigurationException($"the shard cache '{directory}' is in use by another process{(holder.Length > 0 ? $" (pid {holder})" : "")}; " +
                                                 "give each process its own data.cache.dir");
        }
    }
}
