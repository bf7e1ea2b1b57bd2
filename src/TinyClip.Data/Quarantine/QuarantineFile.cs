using System.Text.Json;

namespace TinyClip.Data.Quarantine;

/// <summary>The <c>quarantine.jsonl</c> format: one <see cref="QuarantineEntry"/> as a JSON object per line.</summary>
public static class QuarantineFile
{
    /// <summary>Appends one line; the file is created when missing (not its directory).</summary>
    public static void Append(string path, QuarantineEntry entry) => File.AppendAllText(path, JsonSerializer.Serialize(entry) + "\n");

    /// <summary>The entries in the order they were written; none when the file does not exist (nothing was quarantined).</summary>
    /// <exception cref="InvalidDataException">A line is not an entry; the message gives its number.</exception>
    public static IReadOnlyList<QuarantineEntry> ReadAll(string path)
    {
        if (!File.Exists(path)) return [];
        return File.ReadLines(path)
            .Select((line, index) => Parse(line, index + 1, path))
            .ToArray();
    }

    private static QuarantineEntry Parse(string line, int number, string path)
    {
        try
        {
            return JsonSerializer.Deserialize<QuarantineEntry>(line) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} line {number} is not a quarantine entry: {e.Message}");
        }
    }
}
