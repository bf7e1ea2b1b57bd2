using System.Text;

namespace TinyClip.Data.Text.Cleaning;

/// <summary>
/// ftfy 6.x's fix_encoding with its default settings: while the text looks like mojibake, re-encode it in the first
/// single-byte encoding that can hold it and decode the bytes as UTF-8 (after the byte repairs); failing that,
/// decode UTF-8 mojibake embedded in otherwise good text, reread Latin-1 as Windows-1252, or map C1 controls.
/// </summary>
public static class EncodingFixer
{
    public static string FixEncoding(string text)
    {
        while (true)
        {
            var fixedText = FixOneStep(text);
            if (fixedText == text)
            {
                return fixedText;
            }
            text = fixedText;
        }
    }

    private static string FixOneStep(string text)
    {
        if (text.Length == 0 || Ascii.IsValid(text) || !MojibakeHeuristic.IsBad(text))
        {
            return text;
        }
        foreach (var codec in LegacyEncodings.All)
        {
            if (codec.CanEncode(text) && Utf8VariantsDecoder.TryDecode(RepairedBytes(codec, text), out var decoded))
            {
                return decoded;
            }
        }
        if (Utf8MojibakeDetector.Matches(text))
        {
            var fixedText = DecodeInconsistentUtf8(text);
            if (fixedText != text)
            {
                return fixedText;
            }
        }
        // ftfy ends by rereading text that fits Latin-1 as Windows-1252 (its check for Windows-1252 among the possible
        // encodings never holds, as only the sloppy one is listed), or, where that fails on an undefined byte, by
        // mapping the C1 controls. Both give the text with its C1 controls read as sloppy Windows-1252.
        return CharacterFixes.FixC1Controls(text);
    }

    private static byte[] RepairedBytes(SingleByteCodec codec, string text)
    {
        var bytes = codec.Encode(text);
        if (codec != LegacyEncodings.MacRoman && ByteRepairs.HasAlteredUtf8(bytes))
        {
            bytes = ByteRepairs.RestoreByteA0(bytes);
        }
        if (codec.IsSloppy)
        {
            bytes = ByteRepairs.ReplaceLossySequences(bytes);
        }
        return bytes;
    }

    /// <summary>Fixes each run of UTF-8 mojibake that looks bad on its own, where the whole text did not decode.</summary>
    private static string DecodeInconsistentUtf8(string text) => Utf8MojibakeDetector.Replace(text, match =>
        match.Length < text.Length && MojibakeHeuristic.IsBad(match.Value) ? FixEncoding(match.Value) : match.Value);
}
