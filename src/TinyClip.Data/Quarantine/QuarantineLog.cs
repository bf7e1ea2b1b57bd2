using System.Collections.Concurrent;
using System.Text.Json;

namespace TinyClip.Data.Quarantine;

/// <summary>
/// Collects skipped samples and quarantined files: counters by kind, and (except for
/// <see cref="QuarantineKind.NotDownloaded"/>) one JSON line per distinct entry appended to a file.
/// Entries repeat every epoch; each is written and counted once per log.
/// </summary>
public sealed class QuarantineLog
{
    private readonly string? _path;
    private readonly Lock _writeLock = new();
    private readonly ConcurrentDictionary<(string File, long? Row, string Kind), QuarantineEntry> _seen = new();
    private readonly ConcurrentDictionary<string, long> _counts = new();

    /// <param name="path">The <c>quarantine.jsonl</c> to append to, or null to keep entries in memory.</param>
    public QuarantineLog(string? path = null)
    {
        _path = path;
        if (path is not null && Path.GetDirectoryName(Path.GetFullPath(path)) is { } directory)
            Directory.CreateDirectory(directory);
    }

    /// <summary>Entries recorded so far (including not-downloaded rows).</summary>
    public IReadOnlyCollection<QuarantineEntry> Entries => _seen.Values.ToArray();

    /// <summary>How many distinct entries of a kind were recorded.</summary>
    public long Count(string kind) => _counts.GetValueOrDefault(kind);

    public void Record(QuarantineEntry entry)
    {
        if (!_seen.TryAdd((entry.File, entry.Row, entry.Kind), entry)) return;
        _counts.AddOrUpdate(entry.Kind, 1, (_, n) => n + 1);
        if (_path is null || entry.Kind == QuarantineKind.NotDownloaded) return;
        var line = JsonSerializer.Serialize(entry) + "\n";
        lock (_writeLock) File.AppendAllText(_path, line);
    }
}
