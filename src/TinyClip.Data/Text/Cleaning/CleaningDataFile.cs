using System.Globalization;
using System.Text;

namespace TinyClip.Data.Text.Cleaning;

/// <summary>
/// Reads the embedded data files of Text/Cleaning/Data: records of fields separated by spaces or tabs, '#' lines
/// are comments. Numbers in them are hexadecimal code points.
/// </summary>
internal static class CleaningDataFile
{
    public static IReadOnlyList<string[]> Records(string fileName)
    {
        var resourceName = "TinyClip.Data.Text.Cleaning." + fileName;
        using var stream = typeof(CleaningDataFile).Assembly.GetManifestResourceStream(resourceName)
            ?? throw new InvalidOperationException($"The embedded resource {resourceName} is missing from the build.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var records = new List<string[]>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0 && line[0] != '#')
            {
                records.Add(line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries));
            }
        }
        return records;
    }

    public static int CodePoint(string hex) => int.Parse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);

    /// <summary>The text of the code points in <paramref name="fields"/> from index <paramref name="first"/> on.</summary>
    public static string Text(string[] fields, int first)
    {
        var builder = new StringBuilder();
        for (var i = first; i < fields.Length; i++)
        {
            builder.Append(char.ConvertFromUtf32(CodePoint(fields[i])));
        }
        return builder.ToString();
    }
}
