namespace TinyClip.Data.Text.Cleaning;

/// <summary>
/// The HTML5 named character references (Data/html5-named-character-references.txt): name, as written after '&amp;'
/// and with its ';' where it has one, to the text it stands for.
/// </summary>
internal static class HtmlNamedReferences
{
    private static readonly Lazy<IReadOnlyDictionary<string, string>> Table = new(Load);

    public static IReadOnlyDictionary<string, string> All => Table.Value;

    private static Dictionary<string, string> Load() =>
        CleaningDataFile.Records("html5-named-character-references.txt")
            .ToDictionary(fields => fields[0], fields => CleaningDataFile.Text(fields, 1), StringComparer.Ordinal);
}
