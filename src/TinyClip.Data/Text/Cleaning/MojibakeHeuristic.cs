using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using static TinyClip.Data.Text.Cleaning.MojibakeCharacterSets;

namespace TinyClip.Data.Text.Cleaning;

/// <summary>
/// ftfy 6.x's is_bad: whether text contains a sequence that looks like mojibake. Each alternative below is one of
/// ftfy's patterns over the groups of <see cref="MojibakeCharacterSets"/>. Python's \s (str.isspace, which counts
/// U+001C..U+001F) and \w (letters, numbers, '_') are spelled out because .NET's classes differ.
/// </summary>
public static class MojibakeHeuristic
{
    private const string PythonSpace = "[\\s\\x1C-\\x1F]";
    private const string PythonWord = "[\\p{L}\\p{N}_]";

    private static readonly string[] Patterns =
    [
        $"[{C1}]",
        $"[{Bad}{LowerAccented}{UpperAccented}{Box}{StartPunctuation}{EndPunctuation}{Currency}{Numeric}{Law}][{Bad}]",
        $"[a-zA-Z][{LowerCommon}{UpperCommon}][{Bad}]",
        $"[{Bad}][{LowerAccented}{UpperAccented}{Box}{StartPunctuation}{EndPunctuation}{Currency}{Numeric}{Law}]",
        $"[{LowerAccented}{LowerCommon}{Box}{EndPunctuation}{Currency}{Numeric}][{UpperAccented}]",
        $"[{Box}{EndPunctuation}{Currency}{Numeric}][{LowerAccented}]",
        $"[{LowerAccented}{Box}{EndPunctuation}][{Currency}]",
        $"{PythonSpace}[{UpperAccented}][{Currency}]",
        $"[{UpperAccented}{Box}][{Numeric}{Law}]",
        $"[{LowerAccented}{UpperAccented}{Box}{Currency}{EndPunctuation}][{StartPunctuation}][{Numeric}]",
        $"[{LowerAccented}{UpperAccented}{Currency}{Numeric}{Box}{Law}][{EndPunctuation}][{StartPunctuation}]",
        $"[{Currency}{Numeric}{Box}][{StartPunctuation}]",
        $"[a-z][{UpperAccented}][{StartPunctuation}{Currency}]",
        $"[{Box}][{Kaomoji}]",
        $"[{LowerAccented}{UpperAccented}{Currency}{Numeric}{StartPunctuation}{EndPunctuation}{Law}][{Box}]",
        $"[{Box}][{EndPunctuation}]",
        $"[{LowerAccented}{UpperAccented}][{StartPunctuation}{EndPunctuation}]{PythonWord}",
        // The ligature œ before anything but an unaccented Latin letter.
        "[\u0152\u0153][^A-Za-z]",
        // A degree sign after an accented capital.
        $"[{UpperAccented}]\u00B0",
        // Two-character Windows-1252 mojibake that the patterns above miss.
        $"[\u00C2\u00C3\u00CE\u00D0][\u00A0\u00A2\u00A3\u00A9\u00AD\u00AE\u00B0\u00B4\u00B7\u00BB\u0153\u0160\u0161\u0178\u017E\u2013\u2014\u20AC{StartPunctuation}{EndPunctuation}]",
        "\u00D7[\u00B2\u00B3]",
        // Windows-1252 mojibake of Arabic: the common characters count here, so four characters are required.
        $"[\u00D8\u00D9][{Common}{Currency}{Bad}{Numeric}{StartPunctuation}\u00AE\u00B0\u00B5\u00BB\u0160\u0178][\u00D8\u00D9][{Common}{Currency}{Bad}{Numeric}{StartPunctuation}\u00AE\u00B0\u00B5\u00BB\u0160\u0178]",
        // Windows-1252 mojibake that starts three-byte letters of South Asian scripts.
        "\u00E0[\u00B2\u00B5\u00B9\u00BC\u00BD\u00BE]",
        // Mac Roman mojibake.
        "\u221A[\u00A5\u00AE\u00B1\u00B4\u00B5\u00F8\u2020\u2122\u2202\u2260\u2264\u2265]",
        "\u2248[\u00A2\u00B0]",
        "\u201A\u00C4[\u00A2\u00B0\u00EC\u00EE\u00EF\u00F2\u00F4\u00F9\u00FA\u00FB\u03C0\u2020]",
        "\u201A[\u00E2\u00F3][\u00B0\u00E0\u00E4\u00EA]",
        // Windows-1251 mojibake of the U+2000 block.
        "\u0432\u0402",
        // Windows-1251 mojibake of Latin-1 or Cyrillic: three characters, because two are common in real text.
        $"[\u0412\u0413\u0420\u0421][{C1}{Bad}{StartPunctuation}{EndPunctuation}{Currency}\u00B0\u00B5][\u0412\u0413\u0420\u0421]",
        // Windows-1251 mojibake on top of Latin-1 mojibake of Windows-1252 punctuation, next to a Latin letter.
        "\u0413\u045E\u0412\u0402\u0412.[A-Za-z ]",
        // Windows-1252 mojibake of 'à', 'á' and the no-break space.
        "\u00C3[\u00A0\u00A1]",
        $"[a-z]{PythonSpace}?[\u00C2\u00C3] ",
        "^[\u00C2\u00C3] ",
        // 'Â' in front of a character that it encodes together with it, after a letter or punctuation.
        $"[a-z.,?!{EndPunctuation}]\u00C2[ {StartPunctuation}{EndPunctuation}]",
        // Windows-1253 mojibake of the U+2000 block and of Latin-1 or Greek.
        "\u03B2\u20AC[\u00A0\u00AD\u00AE\u00B0\u0386\u2122]",
        $"[\u0392\u0393\u039E\u039F][{C1}{Bad}{StartPunctuation}{EndPunctuation}{Currency}\u00B0][\u0392\u0393\u039E\u039F]",
        // Windows-1257 mojibake of the U+2000 block.
        "\u0101\u20AC",
    ];

    private static readonly Regex AnyPattern = new(string.Join("|", Patterns), RegexOptions.CultureInvariant | RegexOptions.Compiled);

    /// <summary>
    /// Stand-ins for characters beyond the BMP, which Python matches as one character and .NET's Regex as two
    /// surrogates: a letter (Yi syllable U+A000) for Python's word characters, a symbol (U+2603) for the rest. No
    /// pattern names any such character, so only "is it \w" and "is it one character" matter.
    /// </summary>
    private const char WordStandIn = '\uA000';
    private const char OtherStandIn = '\u2603';

    public static bool IsBad(string text) => AnyPattern.IsMatch(WithBmpStandIns(text));

    private static string WithBmpStandIns(string text)
    {
        if (!text.AsSpan().ContainsAnyInRange('\uD800', '\uDFFF'))
        {
            return text;
        }
        var builder = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                var category = CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(text[i], text[i + 1]));
                builder.Append(IsPythonWordCategory(category) ? WordStandIn : OtherStandIn);
                i++;
            }
            else
            {
                builder.Append(text[i]);
            }
        }
        return builder.ToString();
    }

    private static bool IsPythonWordCategory(UnicodeCategory category) => category is UnicodeCategory.UppercaseLetter
        or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter or UnicodeCategory.ModifierLetter
        or UnicodeCategory.OtherLetter or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber
        or UnicodeCategory.OtherNumber;
}
