using System.Net;
using System.Text;

namespace TinyClip.Data.Text;

/// <summary>
/// OpenCLIP's caption normalisation without ftfy: html-unescape twice (captions scraped from the web are often
/// escaped twice, "&amp;amp;"), collapse whitespace runs to one space, strip, lower-case.
/// OpenCLIP first runs ftfy.fix_text (mojibake repair, curly quotes to straight, full-width to half-width, NFC);
/// that step is not reproduced, so such captions can tokenise differently (see docs/tokenizer.md).
/// </summary>
public static class CaptionCleaner
{
    /// <summary>Returns the cleaned caption the tokenizer splits into words.</summary>
    public static string Clean(string caption)
    {
        var unescaped = WebUtility.HtmlDecode(WebUtility.HtmlDecode(caption));
        return CollapseWhitespace(unescaped).ToLowerInvariant();
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
