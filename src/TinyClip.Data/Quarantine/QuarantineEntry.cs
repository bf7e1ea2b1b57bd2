using System.Text.Json.Serialization;

namespace TinyClip.Data.Quarantine;

/// <summary>One line of <c>quarantine.jsonl</c>. Row is the row index in the file (the row-group index for kind <c>row-group</c>, null for kind <c>file</c>).</summary>
public sealed record QuarantineEntry(
    [property: JsonPropertyName("file")] string File,
    [property: JsonPropertyName("key")] string? Key,
    [property: JsonPropertyName("row")] long? Row,
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("kind")] string Kind);
