using TinyClip.Data.Text.Cleaning;

namespace TinyClip.Data.Tests.Text.Cleaning;

/// <summary>ftfy's unescape_html, whose doc examples these are.</summary>
public class FtfyHtmlUnescaperTests
{
    [Theory]
    [InlineData("&lt;tag&gt;", "<tag>")]
    [InlineData("&Jscr;ohn &HilbertSpace;ancock", "𝒥ohn ℋancock")]
    [InlineData("&checkmark;", "✓")]
    [InlineData("P&eacute;rez", "Pérez")]
    [InlineData("P&EACUTE;REZ", "PÉREZ")]
    [InlineData("BUNDESSTRA&SZLIG;E", "BUNDESSTRASSE")] // 'ß' upper-cased as Python does
    [InlineData("&ntilde; &Ntilde; &NTILDE; &nTILDE;", "ñ Ñ Ñ &nTILDE;")]
    [InlineData("this&not that", "this&not that")] // only complete references with ';'
    [InlineData("&#x2019;s &#8230;", "’s …")]
    [InlineData("&#12a;", "&#12a;")] // html.unescape would decode only "&#12", leaving the ';': kept as it is
    public void Only_complete_references_and_capital_spellings_are_decoded(string text, string expected) =>
        Assert.Equal(expected, FtfyHtmlUnescaper.Unescape(text));
}
