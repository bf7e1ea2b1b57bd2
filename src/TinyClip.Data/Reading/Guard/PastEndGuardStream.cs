namespace TinyClip.Data.Reading.Guard;

/// <summary>
/// A Parquet file as <see cref="ParquetFooterCheck.OpenAsync"/> hands it to Parquet.Net: read-only and seekable, and a
/// read that finds the end of the file throws <see cref="InvalidDataException"/> instead of returning nothing.
/// <para>
/// Parquet.Net 6.1.0 decodes every page header with its Thrift reader straight from this stream, one
/// <see cref="Stream.ReadByte"/> at a time, and takes the -1 of the end of the file as the byte 0xFF, which always
/// continues a varint: a page header that a damaged file lets run to the end of the file spins forever, and a spinning
/// thread cannot be stopped. Thrown here, the error ends the row-group read and the row group is quarantined.
/// </para>
/// <para>
/// A valid file is never read at its end, so every such read is damage: the library reads exact ranges (the magic and
/// the trailer, the footer by its length, each page header from the offset the footer or the previous page gives, and
/// the page's bytes through a sub-stream that stops at the page's declared end without reading on). Only a read of
/// zero bytes finds nothing legitimately, and it still returns 0. Reading the stream to its end
/// (<see cref="Stream.CopyTo(Stream)"/>) throws too; neither the library nor this project does that.
/// </para>
/// </summary>
/// <param name="file">The file, positioned anywhere; it stays owned (and disposed) by the caller.</param>
public sealed class PastEndGuardStream(Stream file) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => file.Length;

    public override long Position
    {
        get => file.Position;
        set => file.Position = value;
    }

    public override long Seek(long offset, SeekOrigin origin) => file.Seek(offset, origin);

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var read = file.Read(buffer);
        return read > 0 || buffer.IsEmpty ? read : throw PastEnd();
    }

    /// <summary>The byte the library's Thrift reader asks for; -1 would become 0xFF.</summary>
    public override int ReadByte()
    {
        var value = file.ReadByte();
        return value >= 0 ? value : throw PastEnd();
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await file.ReadAsync(buffer, cancellationToken);
        return read > 0 || buffer.IsEmpty ? read : throw PastEnd();
    }

    // The position is where the read was asked for: a read that finds nothing does not move it.
    private InvalidDataException PastEnd() => new($"damaged Parquet file: read past the end at byte {file.Position} (file is {file.Length} bytes)");

    public override void Flush()
    {
        // Nothing is ever written.
    }

    public override void SetLength(long value) => throw new NotSupportedException("the Parquet file is read-only");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("the Parquet file is read-only");
}
