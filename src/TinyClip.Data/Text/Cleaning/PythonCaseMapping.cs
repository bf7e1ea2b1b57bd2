using System.Text;

namespace TinyClip.Data.Text.Cleaning;

/// <summary>
/// Python's str.lower and str.upper: full case mapping per code point, and in lower() the final-sigma rule (a
/// capital sigma preceded by a cased letter and not followed by one, case-ignorable characters skipped both ways,
/// becomes 'ς'). .NET's invariant casing gives the simple mappings; the data file adds what .NET leaves out
/// (multi-character mappings such as 'İ' -> "i̇" and 'ß' -> "SS", and the dotless i and long s).
/// </summary>
public static class PythonCaseMapping
{
    private const int CapitalSigma = 0x3A3;
    private const int SmallSigma = 0x3C3;
    private const int FinalSigma = 0x3C2;

    private static readonly Lazy<CaseFacts> Facts = new(CaseFacts.Load);

    public static string Lower(string text)
    {
        if (Ascii.IsValid(text))
        {
            return text.ToLowerInvariant();
        }
        var codePoints = CodePointText.CodePoints(text);
        var builder = new StringBuilder(text.Length);
        for (var i = 0; i < codePoints.Length; i++)
        {
            var codePoint = codePoints[i];
            if (codePoint == CapitalSigma)
            {
                builder.Append((char)(IsFinalSigma(codePoints, i) ? FinalSigma : SmallSigma));
            }
            else if (Facts.Value.FullLower.TryGetValue(codePoint, out var mapped))
            {
                builder.Append(mapped);
            }
            else
            {
                CodePointText.Append(builder, SimpleMapping(codePoint, Rune.ToLowerInvariant));
            }
        }
        return builder.ToString();
    }

    public static string Upper(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var codePoint in CodePointText.CodePoints(text))
        {
            if (Facts.Value.FullUpper.TryGetValue(codePoint, out var mapped))
            {
                builder.Append(mapped);
            }
            else
            {
                CodePointText.Append(builder, SimpleMapping(codePoint, Rune.ToUpperInvariant));
            }
        }
        return builder.ToString();
    }

    private static int SimpleMapping(int codePoint, Func<Rune, Rune> map) =>
        Rune.IsValid(codePoint) ? map(new Rune(codePoint)).Value : codePoint;

    /// <summary>CPython's handle_capital_sigma, which follows SpecialCasing.txt's Final_Sigma condition.</summary>
    private static bool IsFinalSigma(int[] codePoints, int index)
    {
        var facts = Facts.Value;
        var before = index - 1;
        while (before >= 0 && facts.CaseIgnorable.Contains(codePoints[before]))
        {
            before--;
        }
        if (before < 0 || !facts.Cased.Contains(codePoints[before]))
        {
            return false;
        }
        var after = index + 1;
        while (after < codePoints.Length && facts.CaseIgnorable.Contains(codePoints[after]))
        {
            after++;
        }
        return after == codePoints.Length || !facts.Cased.Contains(codePoints[after]);
    }
}
