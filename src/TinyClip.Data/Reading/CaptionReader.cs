using TinyClip.Data.Manifest;
using TinyClip.Data.Quarantine;

namespace TinyClip.Data.Reading;

/// <summary>
/// The captions of a dataset's usable rows in manifest order, without decoding any image: what a tokenizer is
/// learned from. Rows that are unusable before decoding (not downloaded, null image, empty caption) are left out
/// and recorded in the quarantine log, as the training pipeline would. I/O errors are retried as
/// <paramref name="retry"/> says, then fail the read.
/// </summary>
public static class CaptionReader
{
    public static async Task<IReadOnlyList<string>> ReadAllAsync(DatasetManifest manifest, QuarantineLog quarantine, ReadRetryPolicy retry,
        IShardFiles? shards = null, CancellationToken cancellationToken = default)
    {
        var captions = new List<string>();
        foreach (var group in manifest.RowGroups)
            foreach (var row in await RowGroupReader.ReadAsync(manifest, group, quarantine, retry, shards: shards, cancellationToken: cancellationToken))
                if (row.SkipReason is null && !string.IsNullOrWhiteSpace(row.Caption)) captions.Add(row.Caption);
        return captions;
    }
}
