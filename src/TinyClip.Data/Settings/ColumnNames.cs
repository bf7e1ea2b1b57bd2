namespace TinyClip.Data.Settings;

/// <summary>
/// Column overrides. Null means "detect from the layout". An image column may name a struct
/// field with a dot (<c>image.bytes</c>); a struct named alone is read through its <c>bytes</c> child.
/// </summary>
public sealed record ColumnNames(
    string? Image = null,
    string? Caption = null,
    string? Key = null,
    string? Label = null);
