using System.Text;

namespace TinyClip.Data.Text.Cleaning;

/// <summary>
/// ftfy 6.x's fix_text with its default settings. The text is fixed segment by segment (a line with its line
/// break, or a million code points); each segment gets all fixes repeatedly until they change nothing. HTML
/// references are decoded only until a segment contains '&lt;' (then the text is taken to be HTML, and from that
/// segment on they are left alone, as ftfy's "auto" setting does).
/// </summary>
public static class FtfyTextFixer
{
    private const int MaxSegmentCodePoints = 1_000_000;

    public static string FixText(string text)
    {
        var fixedText = new StringBuilder(text.Length);
        var unescapeHtml = true;
        var start = 0;
        while (start < text.Length)
        {
            var end = SegmentEnd(text, start);
            var segment = text[start..end];
            unescapeHtml &= !segment.Contains('<', StringComparison.Ordinal);
            fixedText.Append(FixSegment(segment, unescapeHtml));
            start = end;
        }
        return fixedText.ToString();
    }

    private static int SegmentEnd(string text, int start)
    {
        var end = start;
        for (var codePoints = 0; end < text.Length && codePoints < MaxSegmentCodePoints; codePoints++)
        {
            var c = text[end];
            end += char.IsHighSurrogate(c) && end + 1 < text.Length && char.IsLowSurrogate(text[end + 1]) ? 2 : 1;
            if (c == '\n')
            {
                break;
            }
        }
        return end;
    }

    private static string FixSegment(string text, bool unescapeHtml)
    {
        while (true)
        {
            var original = text;
            if (unescapeHtml)
            {
                text = FtfyHtmlUnescaper.Unescape(text);
            }
            text = EncodingFixer.FixEncoding(text);
            text = CharacterFixes.FixC1Controls(text);
            text = CharacterFixes.FixLatinLigatures(text);
            text = CharacterFixes.FixCharacterWidth(text);
            text = CharacterFixes.UncurlQuotes(text);
            text = CharacterFixes.FixLineBreaks(text);
            text = CharacterFixes.FixSurrogates(text);
            text = CharacterFixes.RemoveTerminalEscapes(text);
            text = CharacterFixes.RemoveControlCharacters(text);
            text = UnicodeNfc.Normalize(text);
            if (text == original)
            {
                return text;
            }
        }
    }
}
