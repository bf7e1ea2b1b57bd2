using TinyClip.Data.Text.Cleaning;

namespace TinyClip.Data.Tests.Text.Cleaning;

/// <summary>fix_text's behaviour across segments (lines), which the single-caption tests do not reach.</summary>
public class FtfyTextFixerTests
{
    [Fact]
    public void Html_references_stay_from_the_first_line_with_a_literal_less_than_on()
    {
        var text = "a &amp; b\n<p>&amp;</p>\nc &amp; d";
        Assert.Equal("a & b\n<p>&amp;</p>\nc &amp; d", FtfyTextFixer.FixText(text));
    }

    [Fact]
    public void Each_line_is_repaired_on_its_own()
    {
        // The second line alone is Latin-1 mojibake; the first is fine and must not stop its repair.
        Assert.Equal("日本\ncafé\n", FtfyTextFixer.FixText("日本\ncafÃ©\n"));
    }

    [Theory]
    [InlineData("\u001B[36;44mI'm blue\u001B[0m", "I'm blue")]
    [InlineData("\u001B[𝟏;٣mdigits of any script\u001B[", "digits of any script[")] // an unfinished escape loses only its ESC
    [InlineData("a\u2029b\rc\u0085d", "a\nb\nc…d")] // U+0085 is read as Windows-1252 before the line-break fix
    [InlineData("a\u206Ab\uFFFCc", "abc")]
    [InlineData("ǈ ﬅ", "Lj ſt")]
    public void Character_fixes_are_ftfys(string text, string expected) => Assert.Equal(expected, FtfyTextFixer.FixText(text));

    // Lone surrogates are built here rather than in attributes, which the test runner cannot carry unchanged.
    [Fact]
    public void Lone_surrogates_become_replacement_characters_and_pairs_stay()
    {
        var high = "\uD83D";
        var low = "\uDE00";
        Assert.Equal("\uFFFDx\uFFFD", FtfyTextFixer.FixText(low + "x" + high));
        Assert.Equal("\uFFFD\uFFFD", FtfyTextFixer.FixText(low + high));
        Assert.Equal("😀", FtfyTextFixer.FixText(high + low));
    }
}
