namespace TinyClip.Data.Writing;

/// <summary>One row of an img2dataset-layout shard (plus an optional class label).</summary>
public sealed record Img2DatasetRow(
    string Key,
    string Caption,
    byte[]? Jpg,
    string Status,
    int? Width,
    int? Height,
    string Url,
    string? ErrorMessage,
    int? Label);
