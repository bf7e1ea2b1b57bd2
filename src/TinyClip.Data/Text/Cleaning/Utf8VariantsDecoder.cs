using System.Text;

namespace TinyClip.Data.Text.Cleaning;

/// <summary>
/// Strict UTF-8 decoding, as Python's bytes.decode('utf-8'), and ftfy's 'utf-8-variants' decoding, which also
/// accepts Java's two-byte null (C0 80) and CESU-8, a supplementary character written as the UTF-8 of its two
/// UTF-16 surrogates (ED A0..AF xx ED B0..BF xx). Anything else that is not UTF-8 fails, as in strict mode.
/// ftfy uses the variants only for bytes that contain C0 or ED; without them both decodings are the same.
/// </summary>
public static class Utf8VariantsDecoder
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static bool TryDecode(byte[] bytes, out string text)
    {
        var builder = new StringBuilder(bytes.Length);
        var plainStart = 0;
        var i = 0;
        while (i < bytes.Length)
        {
            var variant = VariantAt(bytes, i);
            if (variant is null)
            {
                i++;
                continue;
            }
            if (!TryAppendStrict(bytes, plainStart, i - plainStart, builder))
            {
                text = "";
                return false;
            }
            builder.Append(char.ConvertFromUtf32(variant.Value.CodePoint));
            i += variant.Value.Length;
            plainStart = i;
        }
        var decoded = TryAppendStrict(bytes, plainStart, bytes.Length - plainStart, builder);
        text = decoded ? builder.ToString() : "";
        return decoded;
    }

    private static (int CodePoint, int Length)? VariantAt(byte[] bytes, int index)
    {
        if (bytes[index] == 0xC0 && index + 1 < bytes.Length && bytes[index + 1] == 0x80)
        {
            return (0, 2);
        }
        if (bytes[index] == 0xED && index + 5 < bytes.Length
            && bytes[index + 1] is >= 0xA0 and <= 0xAF && IsContinuation(bytes[index + 2])
            && bytes[index + 3] == 0xED
            && bytes[index + 4] is >= 0xB0 and <= 0xBF && IsLastOfCesu8(bytes, index + 5))
        {
            var codePoint = ((bytes[index + 1] & 0x0F) << 16) + ((bytes[index + 2] & 0x3F) << 10)
                + ((bytes[index + 4] & 0x0F) << 6) + (bytes[index + 5] & 0x3F) + 0x10000;
            return (codePoint, 6);
        }
        return null;
    }

    private static bool IsContinuation(byte b) => b is >= 0x80 and <= 0xBF;

    /// <summary>
    /// A continuation byte, or, as ftfy's pattern has it, a line feed that ends the bytes: its "$" alternative also
    /// matches before a final newline, so ftfy decodes that line feed as the sequence's last six bits.
    /// </summary>
    private static bool IsLastOfCesu8(byte[] bytes, int index) =>
        IsContinuation(bytes[index]) || (bytes[index] == (byte)'\n' && index == bytes.Length - 1);

    private static bool TryAppendStrict(byte[] bytes, int start, int count, StringBuilder builder)
    {
        try
        {
            builder.Append(StrictUtf8.GetString(bytes, start, count));
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }
}
