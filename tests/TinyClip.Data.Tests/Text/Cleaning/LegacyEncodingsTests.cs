using TinyClip.Data.Text.Cleaning;

namespace TinyClip.Data.Tests.Text.Cleaning;

/// <summary>The single-byte tables built from .NET's code pages agree with Python's codecs where .NET's differ.</summary>
public class LegacyEncodingsTests
{
    [Fact]
    public void The_encodings_are_ftfys_in_its_order() =>
        Assert.Equal(
            ["latin-1", "sloppy-windows-1252", "sloppy-windows-1251", "sloppy-windows-1250", "sloppy-windows-1253",
             "sloppy-windows-1254", "sloppy-windows-1257", "iso-8859-2", "macroman", "cp437"],
            LegacyEncodings.All.Select(codec => codec.Name));

    [Theory]
    [InlineData("sloppy-windows-1252", 0x80, '€')]
    [InlineData("sloppy-windows-1252", 0x81, '\u0081')] // undefined in the code page: Latin-1's character
    [InlineData("sloppy-windows-1252", 0x1A, '\uFFFD')] // the sloppy codecs' stand-in for lost characters
    [InlineData("sloppy-windows-1253", 0xAA, 'ª')] // .NET gives a private-use character here; undefined in Python
    [InlineData("sloppy-windows-1257", 0xA1, '¡')]
    [InlineData("macroman", 0xBD, '\u03A9')] // .NET: OHM SIGN; Python: GREEK CAPITAL LETTER OMEGA
    [InlineData("macroman", 0xF0, '\uF8FF')] // the Apple logo is Mac Roman's own private-use character
    [InlineData("cp437", 0xC3, '├')]
    [InlineData("iso-8859-2", 0xA3, 'Ł')]
    public void Bytes_decode_as_in_python(string encoding, int b, char expected) =>
        Assert.Equal(expected, LegacyEncodings.All.Single(codec => codec.Name == encoding).Decode((byte)b));

    [Fact]
    public void Sloppy_codecs_cannot_encode_the_substitute_control_but_latin1_can()
    {
        Assert.False(LegacyEncodings.SloppyWindows1252.CanEncode("a\u001Ab"));
        Assert.True(LegacyEncodings.All[0].CanEncode("a\u001Ab"));
        Assert.True(LegacyEncodings.SloppyWindows1252.CanEncode("a\uFFFDb€"));
        Assert.Equal(new byte[] { 0x61, 0x1A, 0x62, 0x80 }, LegacyEncodings.SloppyWindows1252.Encode("a\uFFFDb€"));
    }
}
