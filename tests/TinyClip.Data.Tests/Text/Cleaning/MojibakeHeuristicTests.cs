using TinyClip.Data.Text.Cleaning;

namespace TinyClip.Data.Tests.Text.Cleaning;

/// <summary>ftfy's is_bad on text it flags and text it leaves alone (values as ftfy 6.3 gives them).</summary>
public class MojibakeHeuristicTests
{
    [Theory]
    [InlineData("cafÃ©", true)] // 'Ã' before '©'
    [InlineData("Ã la", true)] // 'Ã' and a space at the start
    [InlineData("â€œ", true)]
    [InlineData("×²", true)]
    [InlineData("Œ.", true)] // œ not before a Latin letter
    [InlineData("Œx", false)]
    [InlineData("naïve café", false)]
    [InlineData("I ♥ NY", false)]
    [InlineData("a photo", false)]
    // Beyond the BMP a character is one character, as in Python: a letter counts as \w after "é“", an emoji does not,
    // and '.' takes the whole emoji so the letter after it is checked.
    [InlineData("é“𝒥", true)]
    [InlineData("é“😀", false)]
    [InlineData("ГўВЂВ😀a", true)]
    [InlineData("ГўВЂВ😀😀", false)]
    public void Flags_what_ftfy_flags(string text, bool bad) => Assert.Equal(bad, MojibakeHeuristic.IsBad(text));
}
