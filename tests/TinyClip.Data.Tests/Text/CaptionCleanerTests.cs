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
    [InlineData("a\u001Fb\u3000c", "a b c")] // Python's \s: information separators and ideographic space
    [InlineData("ÉCOLE", "école")]
    [InlineData(" \t ", "")]
    public void Cleaning_unescapes_collapses_white_space_and_lower_cases(string caption, string expected) =>
        Assert.Equal(expected, CaptionCleaner.Clean(caption));
}
