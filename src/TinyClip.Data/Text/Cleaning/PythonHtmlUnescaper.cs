using System.Text.RegularExpressions;

namespace TinyClip.Data.Text.Cleaning;

/// <summary>
/// Python's html.unescape (CPython 3.11), which follows the HTML5 parser's rules for character references:
/// named references by the longest name that matches, so those valid without ';' (&amp;amp, &amp;not) are decoded
/// even inside a longer word; numeric references 0x80..0x9F as Windows-1252, U+0000, surrogates and numbers past
/// U+10FFFF as U+FFFD, and control or non-character code points dropped.
/// </summary>
public static class PythonHtmlUnescaper
{
    private const int LongestNameLength = 32;
    private const int LastCodePoint = 0x10FFFF;

    private static readonly Regex CharacterReference = new(
        "&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\\t\\n\\f <&#;]{1," + LongestNameLength + "};?)",
        RegexOptions.CultureInvariant | RegexOptions.Compiled);

    public static string Unescape(string text) =>
        text.Contains('&', StringComparison.Ordinal) ? CharacterReference.Replace(text, match => Replacement(match.Groups[1].Value)) : text;

    private static string Replacement(string reference) =>
        reference[0] == '#' ? NumericReference(reference) : NamedReference(reference);

    private static string NumericReference(string reference)
    {
        var hexadecimal = reference[1] is 'x' or 'X';
        var digits = reference[(hexadecimal ? 2 : 1)..].TrimEnd(';');
        var number = 0L;
        foreach (var digit in digits)
        {
            number = (number * (hexadecimal ? 16 : 10)) + DigitValue(digit);
            if (number > LastCodePoint)
            {
                return "\uFFFD";
            }
        }
        var codePoint = (int)number;
        return codePoint switch
        {
            0 => "\uFFFD",
            0x0D => "\r",
            >= 0x80 and <= 0x9F => LegacyEncodings.SloppyWindows1252.Decode((byte)codePoint).ToString(),
            >= 0xD800 and <= 0xDFFF => "\uFFFD",
            _ when IsDroppedCodePoint(codePoint) => "",
            _ => char.ConvertFromUtf32(codePoint),
        };
    }

    /// <summary>The value of a decimal or hexadecimal digit (the pattern admits nothing else).</summary>
    private static int DigitValue(char digit) => char.IsAsciiDigit(digit) ? digit - '0' : (digit | 0x20) - 'a' + 10;

    /// <summary>Controls other than white space and the Unicode non-characters.</summary>
    private static bool IsDroppedCodePoint(int codePoint) =>
        codePoint is (>= 0x01 and <= 0x08) or 0x0B or (>= 0x0E and <= 0x1F) or 0x7F or (>= 0xFDD0 and <= 0xFDEF)
        || (codePoint & 0xFFFE) == 0xFFFE;

    private static string NamedReference(string name)
    {
        var references = HtmlNamedReferences.All;
        if (references.TryGetValue(name, out var text))
        {
            return text;
        }
        for (var length = name.Length - 1; length > 1; length--)
        {
            if (references.TryGetValue(name[..length], out var prefixText))
            {
                return prefixText + name[length..];
            }
        }
        return "&" + name;
    }
}
