namespace TinyClip.Data.Remote;

/// <summary>
/// The answer to a ranged GET: the body, where it starts in the object (0 when the server ignored the range), the
/// object's whole size and its ETag.
/// </summary>
public sealed record ObjectBody(Stream Content, long Offset, long TotalSize, string? ETag) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => Content.DisposeAsync();
}
