using TinyClip.Data.Text.Cleaning;

namespace TinyClip.Data.Tests.Text.Cleaning;

public class UnicodeNfcTests
{
    [Theory]
    [InlineData("e\u0301", "é")]
    [InlineData("A\u030A\u0301", "\u01FA")] // Å then acute: U+01FA
    [InlineData("q\u0307\u0323", "q\u0323\u0307")] // canonical order: below (220) before above (230)
    [InlineData("\u1E0B\u0323", "\u1E0D\u0307")] // ḋ + dot below recomposes to ḍ + dot above
    [InlineData("\u2126", "\u03A9")] // singleton: OHM SIGN is GREEK CAPITAL OMEGA
    [InlineData("\u0958", "\u0915\u093C")] // composition exclusion: stays decomposed
    [InlineData("\u1100\u1161\u11A8", "각")] // Hangul jamo L V T compose arithmetically
    [InlineData("각", "각")]
    [InlineData("\u0301e", "\u0301e")] // a mark with nothing before it stays
    [InlineData("a photo", "a photo")]
    public void Text_is_composed_as_unicodedata_normalize_nfc_does(string text, string expected) =>
        Assert.Equal(expected, UnicodeNfc.Normalize(text));
}
