using System.Text.Json.Serialization;
using TinyClip.Data.Quarantine;

namespace TinyClip.Data.Inspection;

/// <summary>What <c>tinyclip-data inspect</c> reports; the JSON names are the tool's <c>--json</c> output.</summary>
public sealed record InspectReport(
    [property: JsonPropertyName("files")] IReadOnlyList<string> Files,
    [property: JsonPropertyName("layout")] string Layout,
    [property: JsonPropertyName("row_groups")] int RowGroups,
    [property: JsonPropertyName("rows")] long Rows,
    [property: JsonPropertyName("usable_rows")] long UsableRows,
    [property: JsonPropertyName("labels")] IReadOnlyDictionary<int, long> Labels,
    [property: JsonPropertyName("image_sizes")] ImageSizeStats? ImageSizes,
    [property: JsonPropertyName("quarantined")] IReadOnlyList<QuarantineEntry> Quarantined);
