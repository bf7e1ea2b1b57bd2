using TinyClip.Data.Text;

namespace TinyClip.Data.Tests.Text;

public class CaptionCleanerTests
{
    [Theory]
    [InlineData("  A  Photo\tOF\na\r\nCat  ", "a photo of a cat")]
    [InlineData("Fish &amp; Chips", "fish & chips")]
    [InlineData("Fish &amp;amp; Chips", "fish & chips")] // escaped twice on the web, unescaped twice
    [InlineData("&lt;b&gt;bold&lt;/b&gt;", "<b>bold</b>")]
    [InlineData("caf&eacute;&nbsp;&#233;", "café é")] // a no-break space is white space too
    [InlineData("a\u2003b\u3000c", "a b c")] // Python's \s: an em space; the ideographic space (ftfy makes it a space)
    [InlineData("ÉCOLE", "école")]
    [InlineData(" \t ", "")]
    public void Cleaning_unescapes_collapses_white_space_and_lower_cases(string caption, string expected) =>
        Assert.Equal(expected, CaptionCleaner.Clean(caption));

    // ftfy's fix_text doc examples, through the rest of OpenCLIP's cleaning (lower case, white space).
    [Theory]
    [InlineData("âœ” No problems", "✔ no problems")]
    [InlineData("&macr;\\_(ã\u0083\u0084)_/&macr;", "¯\\_(ツ)_/¯")]
    [InlineData("Broken text&hellip; it&#x2019;s ﬂubberiﬁc!", "broken text… it's flubberific!")]
    [InlineData("ＬＯＵＤ　ＮＯＩＳＥＳ", "loud noises")]
    [InlineData("voilÃ le travail", "voilà le travail")]
    [InlineData("sÃ³", "só")]
    public void Ftfy_documented_repairs_come_out_as_ftfy_gives_them(string caption, string expected) =>
        Assert.Equal(expected, CaptionCleaner.Clean(caption));
}
