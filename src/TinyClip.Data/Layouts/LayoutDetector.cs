using Parquet.Schema;
using TinyClip.Data.Settings;

namespace TinyClip.Data.Layouts;

/// <summary>
/// Maps a Parquet schema to a <see cref="ColumnMapping"/>: configured column names win, otherwise the
/// img2dataset, Hugging Face and LAION conventions are tried. Types are checked here so that a wrong
/// column type quarantines the file up front instead of failing every row later. For evaluation a file may lack a
/// caption column when it has a label column (labelled images: zero-shot classification only).
/// </summary>
public static class LayoutDetector
{
    private static readonly string[] ImageCandidates = ["jpg", "image", "jpeg", "png", "webp", "img"];
    private static readonly string[] CaptionCandidates = ["caption", "text", "TEXT", "txt", "title"];
    private static readonly string[] KeyCandidates = ["key", "SAMPLE_ID", "id"];

    public static ColumnMapping Detect(ParquetSchema schema, ColumnNames overrides, DatasetUse use = DatasetUse.Training)
    {
        var fields = schema.GetDataFields().ToDictionary(f => string.Join('.', f.Path.ToList()), StringComparer.Ordinal);

        var imagePath = FindImage(fields, overrides.Image);
        var label = FindColumn(fields, overrides.Label, ["label"], "label");
        if (label is not null) RequireType(fields[label], label, "integer", typeof(int), typeof(long));

        var caption = FindColumn(fields, overrides.Caption, CaptionCandidates, "caption");
        if (caption is not null) RequireType(fields[caption], caption, "string", typeof(ReadOnlyMemory<char>), typeof(ReadOnlyMemory<byte>));
        else if (use == DatasetUse.Training || label is null)
            throw new LayoutException($"no caption column (looked for {string.Join(", ", CaptionCandidates)})" +
                (use == DatasetUse.Evaluation ? " and no label column: an evaluation set needs captions, labels or both" : ""));

        var key = FindColumn(fields, overrides.Key, KeyCandidates, "key");
        if (key is not null) RequireType(fields[key], key, "string or integer", typeof(ReadOnlyMemory<char>), typeof(long), typeof(int));

        var status = fields.TryGetValue("status", out var statusField) && statusField.ClrType == typeof(ReadOnlyMemory<char>) ? "status" : null;

        var layout = overrides.Image is not null || overrides.Caption is not null ? DatasetLayout.Custom
            : imagePath.Length == 2 ? DatasetLayout.HuggingFace
            : caption == "TEXT" ? DatasetLayout.Laion
            : imagePath[0] == "jpg" ? DatasetLayout.Img2Dataset
            : DatasetLayout.Custom;
        return new ColumnMapping(layout, imagePath, caption, key, status, label);
    }

    private static string[] FindImage(Dictionary<string, DataField> fields, string? configured)
    {
        var names = configured is null ? ImageCandidates : [configured];
        foreach (var name in names)
        {
            // A struct named alone (HF "image") is read through its "bytes" leaf.
            var path = fields.ContainsKey(name) ? name : fields.ContainsKey(name + ".bytes") ? name + ".bytes" : null;
            if (path is null) continue;
            RequireType(fields[path], path, "binary", typeof(ReadOnlyMemory<byte>));
            return path.Split('.');
        }
        throw new LayoutException($"no image column (looked for {string.Join(", ", names)})");
    }

    private static string? FindColumn(Dictionary<string, DataField> fields, string? configured, string[] candidates, string role)
    {
        if (configured is not null)
            return fields.ContainsKey(configured) ? configured : throw new LayoutException($"configured {role} column '{configured}' is missing");
        return candidates.FirstOrDefault(fields.ContainsKey);
    }

    private static void RequireType(DataField field, string name, string expected, params Type[] allowed)
    {
        if (field.IsArray || !allowed.Contains(field.ClrType))
            throw new LayoutException($"column '{name}' has type {Describe(field)}, expected {expected}");
    }

    private static string Describe(DataField field) =>
        field.ClrType == typeof(ReadOnlyMemory<char>) ? "string"
        : field.ClrType == typeof(ReadOnlyMemory<byte>) ? "binary"
        : field.IsArray ? $"list<{field.ClrType.Name}>" : field.ClrType.Name;
}
