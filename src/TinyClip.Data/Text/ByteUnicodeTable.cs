using System.Text;

namespace TinyClip.Data.Text;

/// <summary>
/// GPT-2/CLIP's reversible byte-to-character table: every byte gets a printable, non-whitespace character so that
/// BPE symbols and merges-file lines never contain spaces or control characters. Printable Latin-1 bytes map to
/// themselves; the other 68 bytes map to U+0100 upwards in byte order.
/// </summary>
public static class ByteUnicodeTable
{
    private static readonly char[] CharOfByte = BuildCharOfByte();
    private static readonly Dictionary<char, byte> ByteOfChar = BuildByteOfChar(CharOfByte);

    /// <summary>
    /// The bytes in vocabulary order: the printable ranges first ('!'..'~', '¡'..'¬', '®'..'ÿ'), then the rest
    /// ascending. OpenCLIP builds its vocabulary from this order, so byte '!' has id 0 and "a" has id 64.
    /// </summary>
    public static IReadOnlyList<byte> BytesInVocabularyOrder { get; } = BuildVocabularyOrder();

    /// <summary>The character standing for <paramref name="value"/>.</summary>
    public static char CharOf(byte value) => CharOfByte[value];

    /// <summary>UTF-8 encodes <paramref name="text"/> and replaces each byte by its character.</summary>
    public static string EncodeUtf8(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var chars = new char[bytes.Length];
        for (var i = 0; i < bytes.Length; i++)
        {
            chars[i] = CharOfByte[bytes[i]];
        }
        return new string(chars);
    }

    /// <summary>
    /// Maps characters back to bytes and decodes them as UTF-8, replacing invalid sequences by U+FFFD like Python's
    /// errors="replace". A character outside the table is an error: only vocabulary strings are decoded.
    /// </summary>
    public static string DecodeUtf8(string symbols)
    {
        var bytes = new byte[symbols.Length];
        for (var i = 0; i < symbols.Length; i++)
        {
            if (!ByteOfChar.TryGetValue(symbols[i], out bytes[i]))
            {
                throw new ArgumentException($"Character U+{(int)symbols[i]:X4} is not a byte-level BPE character.", nameof(symbols));
            }
        }
        return Encoding.UTF8.GetString(bytes);
    }

    private static bool IsPrintableLatin1(int value) =>
        value is >= '!' and <= '~' or >= '¡' and <= '¬' or >= '®' and <= 'ÿ';

    private static IReadOnlyList<byte> BuildVocabularyOrder()
    {
        var printable = Enumerable.Range(0, 256).Where(IsPrintableLatin1);
        var others = Enumerable.Range(0, 256).Where(b => !IsPrintableLatin1(b));
        return printable.Concat(others).Select(b => (byte)b).ToArray();
    }

    private static char[] BuildCharOfByte()
    {
        var table = new char[256];
        var nextSubstitute = 256;
        for (var b = 0; b < 256; b++)
        {
            table[b] = IsPrintableLatin1(b) ? (char)b : (char)nextSubstitute++;
        }
        return table;
    }

    private static Dictionary<char, byte> BuildByteOfChar(char[] charOfByte)
    {
        var map = new Dictionary<char, byte>(256);
        for (var b = 0; b < 256; b++)
        {
            map[charOfByte[b]] = (byte)b;
        }
        return map;
    }
}
