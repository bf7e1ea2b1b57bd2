using TinyClip.Data.Text.Cleaning;

namespace TinyClip.Data.Tests.Text.Cleaning;

/// <summary>Python's str.lower and str.upper where they differ from .NET's invariant casing.</summary>
public class PythonCaseMappingTests
{
    [Theory]
    [InlineData("İ", "i\u0307")] // SpecialCasing: two code points
    [InlineData("ΟΔΟΣ", "οδος")] // word-final capital sigma
    [InlineData("ΣΑ", "σα")] // not final: a cased letter follows
    [InlineData("Σ", "σ")] // alone: no cased letter before it
    [InlineData("ΑΣ.", "ας.")] // '.' is case-ignorable, and nothing cased follows it
    [InlineData("Α\u0301Σ'Α", "α\u0301σ'α")] // the apostrophe is case-ignorable, so 'Α' after it still follows
    [InlineData("ΑΣ1", "ας1")] // a digit is neither cased nor case-ignorable
    [InlineData("ǅ Ⅻ Ⓐ 𐐀", "ǆ ⅻ ⓐ 𐐨")] // simple mappings, title case and astral letters included
    public void Lower_is_pythons(string text, string expected) => Assert.Equal(expected, PythonCaseMapping.Lower(text));

    [Theory]
    [InlineData("ß", "SS")]
    [InlineData("ﬃ", "FFI")]
    [InlineData("ŉ", "\u02BCN")]
    [InlineData("ı", "I")] // dotless i, which .NET's invariant casing leaves alone
    [InlineData("ſ", "S")]
    [InlineData("é", "É")]
    public void Upper_is_pythons(string text, string expected) => Assert.Equal(expected, PythonCaseMapping.Upper(text));
}
