using System.Text.Json.Serialization;

namespace TinyClip.Data.Quarantine;

/// <summary>One line of <c>quarantine.jsonl</c>.</summary>
public sealed record QuarantineEntry(
    [property: JsonPropertyName("file")] string File,
    [property: JsonPropertyName("key")] string? Key,
    [property: JsonPropertyName("row")] long? Row,
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("kind")] string Kind);
