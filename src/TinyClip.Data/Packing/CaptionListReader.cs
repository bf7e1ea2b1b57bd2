using System.Text;
using System.Text.Json;

namespace TinyClip.Data.Packing;

/// <summary>
/// Reads caption lists: OpenCLIP CSV/TSV (header with <c>filepath</c> and <c>title</c>; tab-separated
/// when the header has a tab, else comma-separated with optional double quotes) or JSON lines with an
/// <c>image</c>/<c>file</c> key and a <c>caption</c>/<c>text</c> key.
/// </summary>
public static class CaptionListReader
{
    public static IReadOnlyList<CaptionedFile> Read(string path)
    {
        if (!File.Exists(path)) throw new DataConfigurationException($"caption file '{path}' does not exist");
        return path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".json", StringComparison.OrdinalIgnoreCase)
            ? ReadJsonLines(path)
            : ReadDelimited(path);
    }

    private static IReadOnlyList<CaptionedFile> ReadJsonLines(string path)
    {
        var entries = new List<CaptionedFile>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            using var document = JsonDocument.Parse(line);
            var image = Property(document.RootElement, "image", "file")
                ?? throw new DataConfigurationException($"{path}:{lineNumber}: no 'image' or 'file' key");
            entries.Add(new CaptionedFile(image, Property(document.RootElement, "caption", "text") ?? ""));
        }
        return entries;
    }

    private static string? Property(JsonElement element, params string[] names)
    {
        foreach (var name in names)
            if (element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String)
                return value.GetString();
        return null;
    }

    private static IReadOnlyList<CaptionedFile> ReadDelimited(string path)
    {
        using var reader = new StreamReader(path);
        var header = reader.ReadLine() ?? throw new DataConfigurationException($"caption file '{path}' is empty");
        var separator = header.Contains('\t') ? '\t' : ',';
        var columns = Split(header, separator);
        var fileColumn = columns.IndexOf("filepath");
        var captionColumn = columns.IndexOf("title");
        if (fileColumn < 0 || captionColumn < 0)
            throw new DataConfigurationException($"caption file '{path}' needs 'filepath' and 'title' columns, has: {string.Join(", ", columns)}");
        var entries = new List<CaptionedFile>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0) continue;
            var fields = Split(line, separator);
            if (fields.Count <= Math.Max(fileColumn, captionColumn)) continue;
            entries.Add(new CaptionedFile(fields[fileColumn], fields[captionColumn]));
        }
        return entries;
    }

    private static List<string> Split(string line, char separator)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted && c == '"' && i + 1 < line.Length && line[i + 1] == '"') { field.Append('"'); i++; }
            else if (c == '"' && separator == ',') quoted = !quoted;
            else if (c == separator && !quoted) { fields.Add(field.ToString()); field.Clear(); }
            else field.Append(c);
        }
        fields.Add(field.ToString());
        return fields;
    }
}
