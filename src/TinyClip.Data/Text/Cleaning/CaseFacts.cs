namespace TinyClip.Data.Text.Cleaning;

/// <summary>The contents of Data/unicode-casing.txt (its header says what each record is and where it comes from).</summary>
internal sealed record CaseFacts(
    IReadOnlyDictionary<int, string> FullLower,
    IReadOnlyDictionary<int, string> FullUpper,
    CodePointRanges CaseIgnorable,
    CodePointRanges Cased)
{
    public static CaseFacts Load()
    {
        var lower = new Dictionary<int, string>();
        var upper = new Dictionary<int, string>();
        var ignorable = new List<(int, int)>();
        var cased = new List<(int, int)>();
        foreach (var fields in CleaningDataFile.Records("unicode-casing.txt"))
        {
            var codePoint = CleaningDataFile.CodePoint(fields[1]);
            switch (fields[0])
            {
                case "L":
                    lower[codePoint] = CleaningDataFile.Text(fields, 2);
                    break;
                case "U":
                    upper[codePoint] = CleaningDataFile.Text(fields, 2);
                    break;
                case "I":
                    ignorable.Add((codePoint, CleaningDataFile.CodePoint(fields[2])));
                    break;
                case "S":
                    cased.Add((codePoint, CleaningDataFile.CodePoint(fields[2])));
                    break;
                default:
                    throw new InvalidDataException($"unicode-casing.txt: unknown record kind '{fields[0]}'.");
            }
        }
        return new CaseFacts(lower, upper, new CodePointRanges(ignorable), new CodePointRanges(cased));
    }
}
