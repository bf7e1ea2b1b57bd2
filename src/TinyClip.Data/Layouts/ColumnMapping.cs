namespace TinyClip.Data.Layouts;

/// <summary>Which Parquet columns hold what, for one file.</summary>
/// <param name="ImagePath">Path of the binary image leaf, e.g. <c>["jpg"]</c> or <c>["image", "bytes"]</c>.</param>
/// <param name="CaptionColumn">Null only in an evaluation set of labelled images (<see cref="DatasetUse.Evaluation"/>).</param>
/// <param name="StatusColumn">img2dataset's <c>status</c>; rows whose status is not <c>success</c> are skipped.</param>
public sealed record ColumnMapping(
    DatasetLayout Layout,
    string[] ImagePath,
    string? CaptionColumn,
    string? KeyColumn,
    string? StatusColumn,
    string? LabelColumn);
