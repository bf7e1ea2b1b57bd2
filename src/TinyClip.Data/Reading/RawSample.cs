namespace TinyClip.Data.Reading;

/// <summary>
/// One row as stored: encoded image bytes and caption (null in a set of labelled images without captions).
/// <paramref name="SkipReason"/> is set when the row is unusable before decoding (not downloaded, null image, empty
/// caption, no label where there is no caption, unreadable row group).
/// <paramref name="Row"/> is the row's index in its file.
/// </summary>
public sealed record RawSample(
    long SampleId,
    string File,
    long Row,
    string Key,
    byte[]? Image,
    string? Caption,
    int? Label,
    string? SkipReason,
    string SkipKind);
