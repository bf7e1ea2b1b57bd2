using TinyClip.Data.Text.Cleaning;

namespace TinyClip.Data.Tests.Text.Cleaning;

public class Utf8VariantsDecoderTests
{
    [Fact]
    public void Java_null_and_cesu8_are_decoded()
    {
        // U+1F600 is D83D DE00 in UTF-16; its CESU-8 is ED A0 BD ED B8 80.
        Assert.True(Utf8VariantsDecoder.TryDecode([0x61, 0xC0, 0x80, 0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80, 0xC3, 0xA9], out var text));
        Assert.Equal("a\u0000😀é", text);
    }

    // ftfy's pattern lets its "$" match before a final newline, so a CESU-8 sequence cut short by the line feed that
    // ends a segment is decoded with that line feed as its last byte: U+10000 + 0x0A (ftfy 6.3 gives "\U0001000A").
    [Fact]
    public void A_cesu8_sequence_ended_by_the_final_line_feed_decodes_as_ftfy_does()
    {
        Assert.True(Utf8VariantsDecoder.TryDecode([0xED, 0xA0, 0x80, 0xED, 0xB0, 0x0A], out var text));
        Assert.Equal(char.ConvertFromUtf32(0x1000A), text);
        Assert.False(Utf8VariantsDecoder.TryDecode([0xED, 0xA0, 0x80, 0xED, 0xB0, 0x0A, 0x41], out _));
    }

    [Theory]
    [InlineData(new byte[] { 0xED, 0xA0, 0xBD })] // a lone encoded surrogate
    [InlineData(new byte[] { 0xC0, 0x41 })] // C0 is no lead byte outside the Java null
    [InlineData(new byte[] { 0xC3 })] // cut short
    [InlineData(new byte[] { 0xE0, 0x80, 0x80 })] // overlong
    public void Anything_else_that_is_not_utf8_fails(byte[] bytes) =>
        Assert.False(Utf8VariantsDecoder.TryDecode(bytes, out _));
}
