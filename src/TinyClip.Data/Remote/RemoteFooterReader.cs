using System.Buffers.Binary;
using System.Collections.Concurrent;
using TinyClip.Data.Manifest;

namespace TinyClip.Data.Remote;

/// <summary>
/// Opens remote Parquet files for the manifest build with range requests only: the 4-byte head, the 8-byte trailer
/// (footer length and magic), then the footer; never a data page. Every answer must carry the ETag of the first, so a
/// footer is never pieced together from two versions of an object. The size and ETag of each file are kept for the
/// manifest (<see cref="Observed"/>).
/// </summary>
public sealed class RemoteFooterReader(IObjectStore store, FetchRetry retry, TimeSpan stallTimeout)
{
    private const int HeadLength = 4;
    private const int TrailerLength = 8;

    /// <summary>Size and ETag of every object opened so far, by URL.</summary>
    public ConcurrentDictionary<string, (long Size, string? ETag)> Observed { get; } = new(StringComparer.Ordinal);

    /// <summary>The manifest build's way of reading footers: <paramref name="parallelReads"/> files at a time, through range requests.</summary>
    public FooterReads Reads(int parallelReads) => new(parallelReads, OpenAsync);

    public async Task<Stream> OpenAsync(string url, CancellationToken cancellationToken)
    {
        var (head, size, etag) = await ReadRangeAsync(url, 0, HeadLength, null, cancellationToken);
        Observed[url] = (size, etag);
        if (size < HeadLength + TrailerLength) return new RemoteFooterStream(size, head, size, []);
        var (trailer, _, _) = await ReadRangeAsync(url, size - TrailerLength, TrailerLength, etag, cancellationToken);
        var footerLength = BinaryPrimitives.ReadInt32LittleEndian(trailer);
        // A length that cannot fit is left for the footer check to refuse, with its own message, from the trailer alone.
        if (footerLength <= 0 || footerLength > size - HeadLength - TrailerLength)
            return new RemoteFooterStream(size, head, size - TrailerLength, trailer);
        var tailStart = size - TrailerLength - footerLength;
        var (footer, _, _) = await ReadRangeAsync(url, tailStart, footerLength, etag, cancellationToken);
        return new RemoteFooterStream(size, head, tailStart, [.. footer, .. trailer]);
    }

    private Task<(byte[] Bytes, long Size, string? ETag)> ReadRangeAsync(string url, long offset, int length, string? expectedETag,
        CancellationToken cancellationToken) =>
        retry.RunAsync(url, async (_, token) =>
        {
            await using var body = await store.GetAsync(url, offset, length, token);
            if (expectedETag is not null && body.ETag is not null && body.ETag != expectedETag)
                throw new ShardFetchException(url, 1, $"'{url}' changed while its footer was read (ETag {expectedETag}, then {body.ETag})");
            var wanted = (int)Math.Min(length, Math.Max(0, body.TotalSize - offset));
            var bytes = new byte[wanted];
            var skip = offset - body.Offset; // a server that ignores Range sends the object from its start
            var scratch = new byte[64 * 1024];
            while (skip > 0)
            {
                var n = await StallGuard.ReadAsync(body.Content, scratch.AsMemory(0, (int)Math.Min(scratch.Length, skip)), stallTimeout, url, token);
                if (n == 0) throw new TransientFetchException($"{url}: the answer ended before byte {offset}");
                skip -= n;
            }
            for (var filled = 0; filled < wanted;)
            {
                var n = await StallGuard.ReadAsync(body.Content, bytes.AsMemory(filled), stallTimeout, url, token);
                if (n == 0) throw new TransientFetchException($"{url}: the answer ended after {filled} of {wanted} bytes");
                filled += n;
            }
            return (bytes, body.TotalSize, body.ETag);
        }, cancellationToken);
}
