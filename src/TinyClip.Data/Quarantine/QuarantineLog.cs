using System.Collections.Concurrent;

namespace TinyClip.Data.Quarantine;

/// <summary>
/// Counts skipped samples and quarantined row groups and files by kind, and writes each distinct one once (a JSON line
/// appended to the node's <c>quarantine.jsonl</c>). Nothing per entry is kept in memory but a
/// <see cref="QuarantineFingerprint"/> of each distinct written entry (8 bytes per bad sample, row group or file), so
/// epochs, which repeat every entry, write and count it once.
/// <para>
/// <see cref="QuarantineKind.NotDownloaded"/> rows are only counted, never written nor remembered: img2dataset keeps
/// failed downloads as rows, often a tenth of a shard. Their count is of rows visited, so it grows with every epoch.
/// </para>
/// </summary>
public sealed class QuarantineLog
{
    private readonly Action<QuarantineEntry>? _write;
    private readonly Lock _writeLock = new();
    private readonly HashSet<ulong> _written = [];
    private readonly ConcurrentDictionary<string, long> _counts = new();

    /// <summary>A log that only counts: for readers whose skipped rows nobody looks up.</summary>
    public QuarantineLog()
    {
    }

    /// <param name="path">The <c>quarantine.jsonl</c> to append to; its directory is created now.</param>
    public QuarantineLog(string path)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } directory) Directory.CreateDirectory(directory);
        _write = entry => QuarantineFile.Append(path, entry);
    }

    /// <summary>A log that adds what it would write to <paramref name="written"/>: for tools and tests that want the
    /// entries without a file (memory then grows with the distinct entries).</summary>
    public QuarantineLog(ICollection<QuarantineEntry> written) => _write = written.Add;

    /// <summary>How many distinct entries of a kind were recorded; for <see cref="QuarantineKind.NotDownloaded"/>, how many such rows were visited.</summary>
    public long Count(string kind) => _counts.GetValueOrDefault(kind);

    public void Record(QuarantineEntry entry)
    {
        if (entry.Kind != QuarantineKind.NotDownloaded)
        {
            lock (_writeLock)
            {
                if (!_written.Add(QuarantineFingerprint.Of(entry))) return;
                _write?.Invoke(entry);
            }
        }
        _counts.AddOrUpdate(entry.Kind, 1, (_, n) => n + 1);
    }
}
