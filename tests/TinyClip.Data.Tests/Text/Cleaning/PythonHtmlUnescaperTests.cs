using TinyClip.Data.Text.Cleaning;

namespace TinyClip.Data.Tests.Text.Cleaning;

/// <summary>CPython's html.unescape rules (Lib/html/__init__.py), case by case.</summary>
public class PythonHtmlUnescaperTests
{
    [Theory]
    [InlineData("&amp;", "&")]
    [InlineData("&amp", "&")] // valid without ';' in HTML5
    [InlineData("&ampere", "&ere")] // the longest valid prefix, the rest kept
    [InlineData("&notin;", "∉")]
    [InlineData("&notit;", "¬it;")] // "notit;" is no name; its longest prefix that is, "not"
    [InlineData("&eacute", "é")]
    [InlineData("&Eacute;", "É")]
    [InlineData("&EACUTE;", "&EACUTE;")] // names are case-sensitive (ftfy's capital spellings are ftfy's own)
    [InlineData("&nosuch;", "&nosuch;")]
    [InlineData("&NotNestedGreaterGreater;", "\u2AA2\u0338")] // a name for two code points
    [InlineData("a & b", "a & b")]
    public void Named_references_follow_html5(string text, string expected) =>
        Assert.Equal(expected, PythonHtmlUnescaper.Unescape(text));

    [Theory]
    [InlineData("&#65;&#x42;&#X43", "ABC")]
    [InlineData("&#0;", "\uFFFD")]
    [InlineData("&#13;", "\r")]
    [InlineData("&#128;&#x9F;", "€Ÿ")] // 0x80..0x9F as Windows-1252
    [InlineData("&#129;", "\u0081")] // undefined in Windows-1252: the C1 control itself
    [InlineData("&#xD800;", "\uFFFD")] // a surrogate
    [InlineData("&#1114112;", "\uFFFD")] // past U+10FFFF
    [InlineData("&#99999999999999999999;", "\uFFFD")]
    [InlineData("a&#1;b&#x0B;c&#xFFFF;d&#x10FFFE;e&#xFDD0;f", "abcdef")] // controls and non-characters dropped
    [InlineData("&#x1F600;", "😀")]
    [InlineData("&#65x", "Ax")]
    public void Numeric_references_follow_cpython(string text, string expected) =>
        Assert.Equal(expected, PythonHtmlUnescaper.Unescape(text));
}
