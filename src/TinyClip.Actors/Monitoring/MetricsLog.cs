using System.Text.Json;

namespace TinyClip.Actors.Monitoring;

/// <summary>Appends one JSON object per line to metrics.jsonl (flushed per line: a crash loses at most the line being written).</summary>
public sealed class MetricsLog(string path) : IDisposable
{
    private readonly StreamWriter _writer = new(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };

    public void Append(IReadOnlyDictionary<string, object> record) =>
        _writer.WriteLine(JsonSerializer.Serialize(record, Persistence.TinyClipSerializer.Json));

    public void Dispose() => _writer.Dispose();

    /// <summary>Every record of a metrics file, for reports and plots.</summary>
    public static IReadOnlyList<JsonElement> Read(string path) =>
        File.Exists(path)
            ? File.ReadLines(path).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList()
            : Array.Empty<JsonElement>();
}
