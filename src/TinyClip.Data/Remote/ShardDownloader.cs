using System.Security.Cryptography;
using TinyClip.Data.Manifest;

namespace TinyClip.Data.Remote;

/// <summary>
/// Downloads one shard to a local file: written under a temporary name (<c>.part</c>), checked, then renamed, so a
/// file under the final name is always whole. A try that fails part-way keeps what it wrote and the next one asks for
/// the rest with a Range request (starting over when the server sends the whole object instead). The object must
/// have the manifest's size and ETag, and the SHA-256 of the index file when it gave one; otherwise it is refused.
/// </summary>
public sealed class ShardDownloader(IObjectStore store, FetchRetry retry, TimeSpan stallTimeout)
{
    public const string PartSuffix = ".part";

    /// <exception cref="ShardFetchException">Unreachable after every retry, or refused (the message names the file).</exception>
    public async Task DownloadAsync(ManifestFile shard, string destination, CancellationToken cancellationToken)
    {
        var part = destination + PartSuffix;
        await retry.RunAsync(shard.Path, async (attempt, token) =>
        {
            await TryOnceAsync(shard, part, attempt, token);
            return true;
        }, cancellationToken);
        if (shard.Sha256 is { } expected)
        {
            var actual = await HashOfAsync(part, cancellationToken);
            if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
            {
                File.Delete(part);
                throw new ShardFetchException(shard.Path, 1, $"'{shard.Path}' is refused: its SHA-256 is {actual}, the index file says {expected}");
            }
        }
        File.Move(part, destination, overwrite: true);
    }

    private async Task TryOnceAsync(ManifestFile shard, string part, int attempt, CancellationToken cancellationToken)
    {
        var have = File.Exists(part) ? new FileInfo(part).Length : 0;
        if (have > shard.Length) have = 0;
        await using var body = await store.GetAsync(shard.Path, have, null, cancellationToken);
        if (shard.ETag is not null && body.ETag is not null && body.ETag != shard.ETag)
            throw new ShardFetchException(shard.Path, attempt,
                $"'{shard.Path}' is refused: it changed since the run's manifest was built (ETag {body.ETag}, the manifest has {shard.ETag}); " +
                "restore the object, or start a new run directory for the new data");
        if (body.TotalSize != shard.Length)
            throw new ShardFetchException(shard.Path, attempt,
                $"'{shard.Path}' is refused: it has {body.TotalSize} bytes, the run's manifest says {shard.Length}");
        await using var file = new FileStream(part, FileMode.OpenOrCreate, FileAccess.Write, FileShare.None);
        // Append where the body starts: at what is on disk when the Range was honoured, at 0 when the server sent it all.
        file.SetLength(body.Offset);
        file.Position = body.Offset;
        var buffer = new byte[256 * 1024];
        while (true)
        {
            var n = await StallGuard.ReadAsync(body.Content, buffer, stallTimeout, shard.Path, cancellationToken);
            if (n == 0) break;
            await file.WriteAsync(buffer.AsMemory(0, n), cancellationToken);
        }
        await file.FlushAsync(cancellationToken);
        if (file.Length != shard.Length)
            throw new TransientFetchException($"{shard.Path}: the answer ended at byte {file.Length} of {shard.Length} (truncated)");
    }

    private static async Task<string> HashOfAsync(string path, CancellationToken cancellationToken)
    {
        await using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(file, cancellationToken));
    }
}
