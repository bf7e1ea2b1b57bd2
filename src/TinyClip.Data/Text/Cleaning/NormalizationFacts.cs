namespace TinyClip.Data.Text.Cleaning;

/// <summary>The contents of Data/unicode-normalization.txt (its header says what each record is and where it comes from).</summary>
internal sealed class NormalizationFacts
{
    private readonly Dictionary<int, int[]> _decompositions = [];
    private readonly Dictionary<long, int> _compositions = [];
    private readonly List<(int First, int Last, int Class)> _combiningClassRuns = [];
    private readonly Dictionary<int, string> _widthFormNfkc = [];

    private NormalizationFacts()
    {
    }

    /// <summary>NFKC of the characters of the Halfwidth and Fullwidth Forms block that it changes.</summary>
    public IReadOnlyDictionary<int, string> WidthFormNfkc => _widthFormNfkc;

    public static NormalizationFacts Load()
    {
        var facts = new NormalizationFacts();
        var excluded = new HashSet<int>();
        foreach (var fields in CleaningDataFile.Records("unicode-normalization.txt"))
        {
            var codePoint = CleaningDataFile.CodePoint(fields[1]);
            switch (fields[0])
            {
                case "D":
                    facts._decompositions[codePoint] = fields.Skip(2).Select(CleaningDataFile.CodePoint).ToArray();
                    break;
                case "X":
                    excluded.Add(codePoint);
                    break;
                case "C":
                    facts._combiningClassRuns.Add((codePoint, CleaningDataFile.CodePoint(fields[2]), int.Parse(fields[3], System.Globalization.CultureInfo.InvariantCulture)));
                    break;
                case "K":
                    facts._widthFormNfkc[codePoint] = CleaningDataFile.Text(fields, 2);
                    break;
                default:
                    throw new InvalidDataException($"unicode-normalization.txt: unknown record kind '{fields[0]}'.");
            }
        }
        foreach (var (composite, parts) in facts._decompositions)
        {
            if (parts.Length == 2 && !excluded.Contains(composite))
            {
                facts._compositions[PairKey(parts[0], parts[1])] = composite;
            }
        }
        return facts;
    }

    public int[]? Decomposition(int codePoint) => _decompositions.GetValueOrDefault(codePoint);

    public int? Composition(int first, int second) =>
        _compositions.TryGetValue(PairKey(first, second), out var composite) ? composite : null;

    public int CombiningClass(int codePoint)
    {
        var low = 0;
        var high = _combiningClassRuns.Count - 1;
        while (low <= high)
        {
            var middle = (low + high) / 2;
            var run = _combiningClassRuns[middle];
            if (codePoint < run.First)
            {
                high = middle - 1;
            }
            else if (codePoint > run.Last)
            {
                low = middle + 1;
            }
            else
            {
                return run.Class;
            }
        }
        return 0;
    }

    private static long PairKey(int first, int second) => ((long)first << 21) | (uint)second;
}
