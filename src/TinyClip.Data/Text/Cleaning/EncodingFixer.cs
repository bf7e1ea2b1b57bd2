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
        if (text.Length == 0 || text.All(char.IsAscii) || !MojibakeHeuristic.IsBad(text))
        {
            return text;
        }
        var possible = new List<SingleByteCodec>();
        foreach (var codec in LegacyEncodings.All)
        {
            if (!codec.CanEncode(text))
            {
                continue;
            }
            possible.Add(codec);
            if (Utf8VariantsDecoder.TryDecode(RepairedBytes(codec, text), out var decoded))
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
        // ftfy returns here when "windows-1252" is among the possible encodings, but it lists only the sloppy one, so
        // that never happens: text that fits Latin-1 is reread as strict Windows-1252.
        if (possible.Contains(LegacyEncodings.Latin1)
            && LegacyEncodings.Windows1252.TryDecode(LegacyEncodings.Latin1.Encode(text), out var reread)
            && reread != text)
        {
            return reread;
        }
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
