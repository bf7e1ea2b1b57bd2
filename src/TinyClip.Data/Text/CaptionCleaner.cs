using System.Text;
using TinyClip.Data.Text.Cleaning;

namespace TinyClip.Data.Text;

/// <summary>
/// OpenCLIP's caption cleaning, step for step: ftfy.fix_text (mojibake, HTML references, quotes, widths, ligatures,
/// controls, NFC), html.unescape twice (web captions are often escaped twice, "&amp;amp;"), white space runs to one
/// space with the ends stripped, and Python's str.lower. See docs/tokenizer.md.
/// </summary>
public static class CaptionCleaner
{
    /// <summary>Returns the cleaned caption the tokenizer splits into words.</summary>
    public static string Clean(string caption)
    {
        var fixedText = FtfyTextFixer.FixText(caption);
        var unescaped = PythonHtmlUnescaper.Unescape(PythonHtmlUnescaper.Unescape(fixedText));
        return PythonCaseMapping.Lower(CollapseWhitespace(unescaped));
    }

    /// <summary>
    /// Python's str.isspace, which its regex \s follows: Unicode White_Space plus the information separators
    /// U+001C..U+001F (which .NET does not count as white space).
    /// </summary>
    public static bool IsWhiteSpace(char c) => char.IsWhiteSpace(c) || c is >= '\u001C' and <= '\u001F';

    private static string CollapseWhitespace(string text)
    {
        var builder = new StringBuilder(text.Length);
        var pendingSpace = false;
        foreach (var c in text)
        {
            if (IsWhiteSpace(c))
            {
                pendingSpace = builder.Length > 0;
                continue;
            }
            if (pendingSpace)
            {
                builder.Append(' ');
                pendingSpace = false;
            }
            builder.Append(c);
        }
        return builder.ToString();
    }
}
