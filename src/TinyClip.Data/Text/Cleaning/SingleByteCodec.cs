using System.Text;

namespace TinyClip.Data.Text.Cleaning;

/// <summary>
/// One of the single-byte encodings ftfy tries when it repairs mojibake, as a table of the 256 characters the
/// bytes decode to. A "sloppy" codec (ftfy's sloppy-windows-125x) decodes the bytes its code page leaves undefined
/// as the Latin-1 character of the same number and byte 0x1A as U+FFFD, so that any text of the code page's
/// characters (and U+FFFD) can be encoded and decoded.
/// </summary>
public sealed class SingleByteCodec
{
    private const byte SubstituteByte = 0x1A;

    private readonly string _decoding;
    private readonly Dictionary<char, byte> _encoding = [];

    private SingleByteCodec(string name, string decoding, bool isSloppy)
    {
        Name = name;
        IsSloppy = isSloppy;
        _decoding = decoding;
        for (var b = 255; b >= 0; b--)
        {
            _encoding[decoding[b]] = (byte)b;
        }
    }

    /// <summary>ftfy's (Python's) name of the encoding.</summary>
    public string Name { get; }

    public bool IsSloppy { get; }

    public static SingleByteCodec Latin1() =>
        new("latin-1", new string(Enumerable.Range(0, 256).Select(b => (char)b).ToArray()), isSloppy: false);

    /// <summary>
    /// The code page's table from System.Text.Encoding.CodePages. Characters are taken in NFC, as Python's tables
    /// have them (.NET's Mac Roman decodes 0xBD as OHM SIGN, whose canonical form is Python's GREEK CAPITAL OMEGA).
    /// For some bytes that a Windows code page leaves undefined .NET returns private-use characters rather than
    /// failing; those count as undefined (Mac Roman's private-use Apple logo at 0xF0 is a real character).
    /// </summary>
    public static SingleByteCodec FromCodePage(string name, int codePage, bool sloppy)
    {
        var encoding = CodePagesEncodingProvider.Instance.GetEncoding(codePage, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback)
            ?? throw new InvalidOperationException($"Code page {codePage} is not available.");
        var privateUseMeansUndefined = codePage is >= 1250 and <= 1258;
        var decoding = new char[256];
        for (var b = 0; b < 256; b++)
        {
            var character = DecodeOne(encoding, (byte)b);
            var undefined = character is null || (privateUseMeansUndefined && character.Value is >= '\uE000' and <= '\uF8FF');
            decoding[b] = undefined ? (char)b : UnicodeNfc.Normalize(character!.Value.ToString())[0];
        }
        if (sloppy)
        {
            decoding[SubstituteByte] = '\uFFFD';
        }
        return new SingleByteCodec(name, new string(decoding), sloppy);
    }

    /// <summary>
    /// ftfy's possible_encoding: every character is ASCII other than U+001A, or one that byte 0x1A or a byte
    /// 0x80..0xFF decodes to.
    /// </summary>
    public bool CanEncode(string text)
    {
        foreach (var c in text)
        {
            if (c < 0x80 ? c == SubstituteByte && _decoding[SubstituteByte] != c : !_encoding.ContainsKey(c))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The bytes of text that <see cref="CanEncode"/> accepted.</summary>
    public byte[] Encode(string text)
    {
        var bytes = new byte[text.Length];
        for (var i = 0; i < text.Length; i++)
        {
            bytes[i] = _encoding[text[i]];
        }
        return bytes;
    }

    public char Decode(byte b) => _decoding[b];

    private static char? DecodeOne(Encoding encoding, byte b)
    {
        try
        {
            var decoded = encoding.GetString([b]);
            return decoded.Length == 1 ? decoded[0] : null;
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }
}
