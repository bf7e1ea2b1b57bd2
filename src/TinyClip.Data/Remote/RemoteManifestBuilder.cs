using TinyClip.Data.Layouts;
using TinyClip.Data.Manifest;
using TinyClip.Data.Quarantine;
using TinyClip.Data.Settings;

namespace TinyClip.Data.Remote;

/// <summary>
/// The manifest of remote shards, from their footers alone (range requests, <see cref="RemoteFooterReader"/>), with
/// each file's size and ETag as they were read, and its SHA-256 when an index file gave one. The content hash is that
/// of the same files read locally, so the order, and the training, are those of the same data on disk.
/// </summary>
public static class RemoteManifestBuilder
{
    /// <exception cref="DataConfigurationException">A shard is unreachable, or its size differs from its index file's.</exception>
    public static async Task<DatasetManifest> BuildAsync(IReadOnlyList<RemoteObject> shards, ColumnNames columns, DatasetUse use, QuarantineLog quarantine,
        RemoteFooterReader footers, int parallelReads, CancellationToken cancellationToken = default)
    {
        var built = await DatasetManifest.BuildFromFilesAsync(shards.Select(s => s.Url).ToArray(), columns, use, quarantine, footers.Reads(parallelReads), cancellationToken);
        var listed = shards.ToDictionary(s => s.Url, StringComparer.Ordinal);
        var files = built.Files.Select(file =>
        {
            var (size, etag) = footers.Observed[file.Path];
            if (listed[file.Path].Size is { } expected && expected != size)
                throw new DataConfigurationException($"'{file.Path}' has {size} bytes, its index file says {expected}");
            return file with { ETag = etag, Sha256 = listed[file.Path].Sha256 };
        }).ToArray();
        return new DatasetManifest(files, built.ContentHash, built.LeftOut);
    }

    /// <summary>How a stored manifest differs from the shards listed now (by URL, and by size where the listing gives one); null when it does not.</summary>
    public static string? FirstDifference(DatasetManifest stored, IReadOnlyList<RemoteObject> shards)
    {
        var storedSizes = stored.Files.Select(f => (f.Path, f.Length)).Concat(stored.LeftOut.Select(f => (f.Path, f.Length)))
            .ToDictionary(f => f.Path, f => f.Length, StringComparer.Ordinal);
        foreach (var shard in shards)
        {
            if (!storedSizes.TryGetValue(shard.Url, out var size)) return $"'{shard.Url}' is not in the manifest";
            if (shard.Size is { } listed && listed != size) return $"'{shard.Url}' has {listed} bytes, the manifest says {size}";
        }
        var listedUrls = shards.Select(s => s.Url).ToHashSet(StringComparer.Ordinal);
        return storedSizes.Keys.Order(StringComparer.Ordinal).FirstOrDefault(url => !listedUrls.Contains(url)) is { } missing
            ? $"'{missing}' is in the manifest but no longer listed" : null;
    }
}
