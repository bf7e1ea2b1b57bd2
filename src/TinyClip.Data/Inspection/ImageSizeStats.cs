using System.Text.Json.Serialization;

namespace TinyClip.Data.Inspection;

/// <summary>Sizes of the decodable images.</summary>
public sealed record ImageSizeStats(
    [property: JsonPropertyName("min_width")] int MinWidth,
    [property: JsonPropertyName("max_width")] int MaxWidth,
    [property: JsonPropertyName("min_height")] int MinHeight,
    [property: JsonPropertyName("max_height")] int MaxHeight,
    [property: JsonPropertyName("mean_width")] double MeanWidth,
    [property: JsonPropertyName("mean_height")] double MeanHeight);
