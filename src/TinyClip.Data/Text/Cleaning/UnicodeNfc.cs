namespace TinyClip.Data.Text.Cleaning;

/// <summary>
/// Unicode normalisation form C (canonical decomposition, canonical ordering, canonical composition; UAX #15), as
/// Python's unicodedata.normalize('NFC') gives it. Our own because the product runs with invariant globalization,
/// where .NET's string.Normalize leaves non-ASCII text as it is.
/// </summary>
public static class UnicodeNfc
{
    // Hangul syllables are composed and decomposed by arithmetic (The Unicode Standard, section 3.12).
    private const int SyllableBase = 0xAC00;
    private const int LeadingBase = 0x1100;
    private const int VowelBase = 0x1161;
    private const int TrailingBase = 0x11A7;
    private const int LeadingCount = 19;
    private const int VowelCount = 21;
    private const int TrailingCount = 28;
    private const int SyllablesPerLeading = VowelCount * TrailingCount;
    private const int SyllableCount = LeadingCount * SyllablesPerLeading;

    /// <summary>Below U+0300 every character is a starter that composes with nothing below U+0300.</summary>
    private const int FirstCombiningCodePoint = 0x300;

    private static readonly Lazy<NormalizationFacts> Facts = new(NormalizationFacts.Load);

    internal static NormalizationFacts Data => Facts.Value;

    public static string Normalize(string text)
    {
        if (!text.AsSpan().ContainsAnyExceptInRange('\0', (char)(FirstCombiningCodePoint - 1)))
        {
            return text;
        }
        var decomposed = new List<int>(text.Length);
        foreach (var codePoint in CodePointText.CodePoints(text))
        {
            Decompose(codePoint, decomposed);
        }
        OrderCanonically(decomposed);
        return CodePointText.FromCodePoints(Compose(decomposed));
    }

    private static void Decompose(int codePoint, List<int> output)
    {
        var syllableIndex = codePoint - SyllableBase;
        if (syllableIndex is >= 0 and < SyllableCount)
        {
            output.Add(LeadingBase + (syllableIndex / SyllablesPerLeading));
            output.Add(VowelBase + (syllableIndex % SyllablesPerLeading / TrailingCount));
            if (syllableIndex % TrailingCount != 0)
            {
                output.Add(TrailingBase + (syllableIndex % TrailingCount));
            }
            return;
        }
        var parts = Facts.Value.Decomposition(codePoint);
        if (parts is null)
        {
            output.Add(codePoint);
            return;
        }
        foreach (var part in parts)
        {
            Decompose(part, output);
        }
    }

    /// <summary>A stable sort of each run of non-starters by combining class.</summary>
    private static void OrderCanonically(List<int> codePoints)
    {
        for (var i = 1; i < codePoints.Count; i++)
        {
            var current = codePoints[i];
            var currentClass = Facts.Value.CombiningClass(current);
            if (currentClass == 0)
            {
                continue;
            }
            var j = i - 1;
            while (j >= 0 && Facts.Value.CombiningClass(codePoints[j]) > currentClass)
            {
                codePoints[j + 1] = codePoints[j];
                j--;
            }
            codePoints[j + 1] = current;
        }
    }

    private static List<int> Compose(List<int> decomposed)
    {
        var result = new List<int>(decomposed.Count);
        var starterIndex = -1;
        var lastClass = 0;
        foreach (var codePoint in decomposed)
        {
            var codePointClass = Facts.Value.CombiningClass(codePoint);
            var blocked = result.Count > starterIndex + 1 && (lastClass == 0 || lastClass >= codePointClass);
            if (starterIndex >= 0 && !blocked && PrimaryComposite(result[starterIndex], codePoint) is { } composite)
            {
                result[starterIndex] = composite;
                continue;
            }
            if (codePointClass == 0)
            {
                starterIndex = result.Count;
            }
            lastClass = codePointClass;
            result.Add(codePoint);
        }
        return result;
    }

    private static int? PrimaryComposite(int starter, int next)
    {
        var leadingIndex = starter - LeadingBase;
        var vowelIndex = next - VowelBase;
        if (leadingIndex is >= 0 and < LeadingCount && vowelIndex is >= 0 and < VowelCount)
        {
            return SyllableBase + (((leadingIndex * VowelCount) + vowelIndex) * TrailingCount);
        }
        var syllableIndex = starter - SyllableBase;
        var trailingIndex = next - TrailingBase;
        if (syllableIndex is >= 0 and < SyllableCount && syllableIndex % TrailingCount == 0
            && trailingIndex is > 0 and < TrailingCount)
        {
            return starter + trailingIndex;
        }
        return Facts.Value.Composition(starter, next);
    }
}
