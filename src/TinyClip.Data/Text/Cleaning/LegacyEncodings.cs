namespace TinyClip.Data.Text.Cleaning;

/// <summary>
/// The single-byte encodings ftfy 6.x tries, in its order (its CHARMAP_ENCODINGS): text that fits one of them is
/// encoded with it and the bytes are decoded as UTF-8. The first that decodes wins, so the order is behaviour.
/// </summary>
public static class LegacyEncodings
{
    private static readonly Lazy<IReadOnlyList<SingleByteCodec>> Codecs = new(() =>
    [
        SingleByteCodec.Latin1(),
        SingleByteCodec.FromCodePage("sloppy-windows-1252", 1252, sloppy: true),
        SingleByteCodec.FromCodePage("sloppy-windows-1251", 1251, sloppy: true),
        SingleByteCodec.FromCodePage("sloppy-windows-1250", 1250, sloppy: true),
        SingleByteCodec.FromCodePage("sloppy-windows-1253", 1253, sloppy: true),
        SingleByteCodec.FromCodePage("sloppy-windows-1254", 1254, sloppy: true),
        SingleByteCodec.FromCodePage("sloppy-windows-1257", 1257, sloppy: true),
        SingleByteCodec.FromCodePage("iso-8859-2", 28592, sloppy: false),
        SingleByteCodec.FromCodePage("macroman", 10000, sloppy: false),
        SingleByteCodec.FromCodePage("cp437", 437, sloppy: false),
    ]);

    public static IReadOnlyList<SingleByteCodec> All => Codecs.Value;

    public static SingleByteCodec SloppyWindows1252 => All[1];

    public static SingleByteCodec MacRoman => All[8];

    /// <summary>
    /// The encodings whose mojibake the UTF-8 detector looks for: Latin-1 and the sloppy Windows code pages.
    /// </summary>
    public static IEnumerable<SingleByteCodec> Utf8MojibakeSources => All.Take(7);
}
