using TinyClip.Data.Text;

namespace TinyClip.Data.Tests.Text;

public class ByteUnicodeTableTests
{
    [Fact]
    public void Printable_bytes_map_to_themselves_and_the_rest_to_u0100_upwards()
    {
        Assert.Equal('a', ByteUnicodeTable.CharOf((byte)'a'));
        Assert.Equal('\u0100', ByteUnicodeTable.CharOf(0x00));
        Assert.Equal('\u0120', ByteUnicodeTable.CharOf((byte)' ')); // the familiar "Ġ"
        Assert.Equal('\u0143', ByteUnicodeTable.CharOf(0xAD)); // the 68th and last substitute
        Assert.Equal(256, Enumerable.Range(0, 256).Select(b => ByteUnicodeTable.CharOf((byte)b)).Distinct().Count());
    }

    [Fact]
    public void Vocabulary_order_puts_the_printable_bytes_first()
    {
        var order = ByteUnicodeTable.BytesInVocabularyOrder;

        Assert.Equal(256, order.Distinct().Count());
        Assert.Equal((byte)'!', order[0]);
        Assert.Equal((byte)'a', order[64]);
        Assert.Equal((byte)0xFF, order[187]);
        Assert.Equal((byte)0x00, order[188]);
        Assert.Equal((byte)0xAD, order[255]);
    }

    [Fact]
    public void Utf8_text_round_trips_and_invalid_bytes_become_replacement_characters()
    {
        const string text = "naïve 🐱 ok";

        Assert.Equal(text, ByteUnicodeTable.DecodeUtf8(ByteUnicodeTable.EncodeUtf8(text)));
        Assert.Equal("\uFFFD", ByteUnicodeTable.DecodeUtf8(ByteUnicodeTable.CharOf(0xC3).ToString()));
        Assert.Throws<ArgumentException>(() => ByteUnicodeTable.DecodeUtf8("\u4E00"));
    }
}
