using System.Text.RegularExpressions;

namespace TinyClip.Data.Text.Cleaning;

/// <summary>
/// ftfy's byte-level repairs, applied to the bytes of mojibake before they are decoded as UTF-8. The patterns work
/// on bytes; here a byte array is held as a string of the characters U+0000..U+00FF so .NET's Regex can run on it.
/// </summary>
public static class ByteRepairs
{
    /// <summary>A UTF-8 sequence in which a 0xA0 byte (a no-break space in Latin-1) became an ASCII space.</summary>
    private static readonly Regex AlteredUtf8 = new(
        "[\\xC2\\xC3\\xC5\\xCE\\xD0\\xD9] "
        + "|[\\xE2\\xE3] [\\x80-\\x84\\x86-\\x9F\\xA1-\\xBF]"
        + "|[\\xE0-\\xE3][\\x80-\\x84\\x86-\\x9F\\xA1-\\xBF] "
        + "|\\xF0 [\\x80-\\xBF][\\x80-\\xBF]"
        + "|\\xF0[\\x80-\\xBF] [\\x80-\\xBF]"
        + "|\\xF0[\\x80-\\xBF][\\x80-\\xBF] ",
        RegexOptions.CultureInvariant | RegexOptions.Compiled);

    /// <summary>
    /// "à" (C3 A0) standing alone as a word, whose A0 became a space that then merged with the following space:
    /// the A0 is put back in front of the space, except before the Portuguese words "às", "àquele", "àquela",
    /// "àquilo" (and plurals), where the space was the A0 itself.
    /// </summary>
    private static readonly Regex AGraveWord = new(
        "\\xC3 (?! |quele|quela|quilo|s )", RegexOptions.CultureInvariant | RegexOptions.Compiled);

    /// <summary>A UTF-8 sequence with a byte lost to 0x1A (what a sloppy codec encodes U+FFFD as) or to '?'.</summary>
    private static readonly Regex LossyUtf8 = new(
        "[\\xC2-\\xDF]\\x1A"
        + "|[\\xC2-\\xC3]\\?"
        + "|\\xED[\\xA0-\\xAF][\\x1A?]\\xED[\\xB0-\\xBF][\\x1A?\\x80-\\xBF]"
        + "|\\xED[\\xA0-\\xAF][\\x1A?\\x80-\\xBF]\\xED[\\xB0-\\xBF][\\x1A?]"
        + "|[\\xE0-\\xEF][\\x1A?][\\x1A\\x80-\\xBF]"
        + "|[\\xE0-\\xEF][\\x1A\\x80-\\xBF][\\x1A?]"
        + "|[\\xF0-\\xF4][\\x1A?][\\x1A\\x80-\\xBF][\\x1A\\x80-\\xBF]"
        + "|[\\xF0-\\xF4][\\x1A\\x80-\\xBF][\\x1A?][\\x1A\\x80-\\xBF]"
        + "|[\\xF0-\\xF4][\\x1A\\x80-\\xBF][\\x1A\\x80-\\xBF][\\x1A?]"
        + "|\\x1A",
        RegexOptions.CultureInvariant | RegexOptions.Compiled);

    /// <summary>U+FFFD in UTF-8, as Latin-1 characters.</summary>
    private const string ReplacementCharacterBytes = "\u00EF\u00BF\u00BD";

    public static bool HasAlteredUtf8(byte[] bytes) => AlteredUtf8.IsMatch(AsLatin1(bytes));

    /// <summary>ftfy's restore_byte_a0: spaces inside would-be UTF-8 sequences become 0xA0 again.</summary>
    public static byte[] RestoreByteA0(byte[] bytes)
    {
        var text = AGraveWord.Replace(AsLatin1(bytes), "\u00C3\u00A0 ");
        return FromLatin1(AlteredUtf8.Replace(text, match => match.Value.Replace(' ', '\u00A0')));
    }

    /// <summary>ftfy's replace_lossy_sequences: a UTF-8 sequence that lost a byte becomes the UTF-8 of U+FFFD.</summary>
    public static byte[] ReplaceLossySequences(byte[] bytes) =>
        FromLatin1(LossyUtf8.Replace(AsLatin1(bytes), ReplacementCharacterBytes));

    private static string AsLatin1(byte[] bytes) => string.Create(bytes.Length, bytes, (chars, source) =>
    {
        for (var i = 0; i < source.Length; i++)
        {
            chars[i] = (char)source[i];
        }
    });

    private static byte[] FromLatin1(string text) => text.Select(c => (byte)c).ToArray();
}
