namespace TinyClip.Data.Remote;

/// <summary>
/// A remote Parquet file as the footer check and Parquet.Net see it when only its head (magic) and tail (footer and
/// trailer) were fetched: seekable, of the object's length, and failing loudly on a read of any other byte.
/// </summary>
internal sealed class RemoteFooterStream(long length, byte[] head, long tailStart, byte[] tail) : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => length;
    public override long Position { get; set; }
    public override void Flush() { }

    public override int Read(byte[] buffer, int offset, int count)
    {
        if (Position >= length || count == 0) return 0;
        var (source, start) = Position < head.Length ? (head, 0L) : Position >= tailStart ? (tail, tailStart) : (null, 0L);
        if (source is null)
            throw new InvalidDataException($"byte {Position} is in the data pages, and only the footer of this remote file was fetched");
        var from = (int)(Position - start);
        var n = Math.Min(count, source.Length - from);
        Array.Copy(source, from, buffer, offset, n);
        Position += n;
        return n;
    }

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => Position + offset,
        _ => length + offset,
    };

    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
