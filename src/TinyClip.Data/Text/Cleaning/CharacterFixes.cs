using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace TinyClip.Data.Text.Cleaning;

/// <summary>ftfy 6.x's character-by-character fixes that fix_text runs after the encoding repair.</summary>
public static class CharacterFixes
{
    private static readonly Regex C1Control = new("[\\x80-\\x9F]", RegexOptions.CultureInvariant | RegexOptions.Compiled);

    private static readonly Regex SingleCurlyQuote = new("[\u02BC\u2018-\u201B]", RegexOptions.CultureInvariant | RegexOptions.Compiled);

    private static readonly Regex DoubleCurlyQuote = new("[\u201C-\u201F]", RegexOptions.CultureInvariant | RegexOptions.Compiled);

    /// <summary>
    /// The Latin ligatures and digraphs ftfy takes apart, each into its compatibility decomposition (UnicodeData.txt)
    /// except that ﬅ keeps its long s.
    /// </summary>
    private static readonly Dictionary<char, string> Ligatures = new()
    {
        ['\u0132'] = "IJ", ['\u0133'] = "ij", ['\u0149'] = "\u02BCn",
        ['\u01C4'] = "D\u017D", ['\u01C5'] = "D\u017E", ['\u01C6'] = "d\u017E",
        ['\u01C7'] = "LJ", ['\u01C8'] = "Lj", ['\u01C9'] = "lj",
        ['\u01CA'] = "NJ", ['\u01CB'] = "Nj", ['\u01CC'] = "nj",
        ['\u01F1'] = "DZ", ['\u01F2'] = "Dz", ['\u01F3'] = "dz",
        ['\uFB00'] = "ff", ['\uFB01'] = "fi", ['\uFB02'] = "fl", ['\uFB03'] = "ffi", ['\uFB04'] = "ffl",
        ['\uFB05'] = "\u017Ft", ['\uFB06'] = "st",
    };

    /// <summary>Treats C1 controls as the Windows-1252 characters of those bytes, as web browsers do.</summary>
    public static string FixC1Controls(string text) =>
        C1Control.Replace(text, match => LegacyEncodings.SloppyWindows1252.Decode((byte)match.Value[0]).ToString());

    public static string FixLatinLigatures(string text) => Translate(text, c => c < '\u0132' ? null : Ligatures.GetValueOrDefault(c));

    /// <summary>Full-width ASCII, half-width katakana and Hangul to their usual forms (NFKC), and U+3000 to a space.</summary>
    public static string FixCharacterWidth(string text) => Translate(text, c => c switch
    {
        '\u3000' => " ",
        >= '\uFF01' and <= '\uFFEF' => UnicodeNfc.Data.WidthFormNfkc.GetValueOrDefault(c),
        _ => null,
    });

    public static string UncurlQuotes(string text) => SingleCurlyQuote.Replace(DoubleCurlyQuote.Replace(text, "\""), "'");

    public static string FixLineBreaks(string text) => text
        .Replace("\r\n", "\n", StringComparison.Ordinal)
        .Replace('\r', '\n')
        .Replace('\u2028', '\n')
        .Replace('\u2029', '\n')
        .Replace('\u0085', '\n');

    /// <summary>
    /// ftfy joins surrogate pairs into the character they encode and replaces lone surrogates with U+FFFD. A .NET
    /// string holds a pair as that character already, so only lone surrogates are left to replace.
    /// </summary>
    public static string FixSurrogates(string text)
    {
        StringBuilder? builder = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var paired = char.IsHighSurrogate(c) ? i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])
                : char.IsLowSurrogate(c) && i > 0 && char.IsHighSurrogate(text[i - 1]);
            if (char.IsSurrogate(c) && !paired)
            {
                builder ??= new StringBuilder(text, 0, i, text.Length);
                builder.Append('\uFFFD');
            }
            else
            {
                builder?.Append(c);
            }
        }
        return builder?.ToString() ?? text;
    }

    /// <summary>
    /// Removes ANSI terminal escapes such as ESC[36;44m: ESC, '[', decimal digits (any script's, as Python's \d) and
    /// ';', then an ASCII letter. Scanned by code point, because a digit beyond the BMP is two surrogates to Regex.
    /// </summary>
    public static string RemoveTerminalEscapes(string text)
    {
        var start = text.IndexOf('\u001B', StringComparison.Ordinal);
        if (start < 0)
        {
            return text;
        }
        var builder = new StringBuilder(text.Length);
        var copied = 0;
        for (; start >= 0; start = text.IndexOf('\u001B', start + 1))
        {
            if (start >= copied && TerminalEscapeEnd(text, start) is { } end)
            {
                builder.Append(text, copied, start - copied);
                copied = end;
            }
        }
        return builder.Append(text, copied, text.Length - copied).ToString();
    }

    private static int? TerminalEscapeEnd(string text, int escape)
    {
        if (escape + 1 >= text.Length || text[escape + 1] != '[')
        {
            return null;
        }
        var index = escape + 2;
        while (index < text.Length && (text[index] == ';' || CharUnicodeInfo.GetUnicodeCategory(text, index) == UnicodeCategory.DecimalDigitNumber))
        {
            index += char.IsSurrogatePair(text, index) ? 2 : 1;
        }
        return index < text.Length && char.IsAsciiLetter(text[index]) ? index + 1 : null;
    }

    /// <summary>
    /// Removes the controls that have no visible effect: C0 controls other than tab, line feed, form feed and
    /// carriage return, DEL, the deprecated Arabic format controls U+206A..U+206F, the byte order mark and the
    /// interlinear annotation characters with the object replacement character (U+FFF9..U+FFFC).
    /// </summary>
    public static string RemoveControlCharacters(string text) => Translate(text, c => IsRemovedControl(c) ? "" : null);

    private static bool IsRemovedControl(char c) =>
        c is <= '\u0008' or '\u000B' or (>= '\u000E' and <= '\u001F') or '\u007F'
            or (>= '\u206A' and <= '\u206F') or '\uFEFF' or (>= '\uFFF9' and <= '\uFFFC');

    /// <summary>Python's str.translate: each character that <paramref name="replacement"/> maps is replaced.</summary>
    private static string Translate(string text, Func<char, string?> replacement)
    {
        StringBuilder? builder = null;
        for (var i = 0; i < text.Length; i++)
        {
            var replaced = replacement(text[i]);
            if (replaced is null)
            {
                builder?.Append(text[i]);
                continue;
            }
            builder ??= new StringBuilder(text, 0, i, text.Length);
            builder.Append(replaced);
        }
        return builder?.ToString() ?? text;
    }
}
