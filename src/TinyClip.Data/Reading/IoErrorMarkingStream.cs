namespace TinyClip.Data.Reading;

/// <summary>
/// A data file opened for reading, whose I/O errors (opening it, reading, seeking, asking its length) come out as
/// <see cref="FileIoException"/>. The row-group reader retries those and quarantines everything else as damage: the
/// error's type alone cannot tell them apart, because Parquet.Net reports damaged bytes as <see cref="IOException"/>
/// too, and <see cref="PastEndGuardStream"/> (which wraps this stream for the library) reports a read past the end as
/// <see cref="InvalidDataException"/>: a short file is damage, not I/O.
/// </summary>
public sealed class IoErrorMarkingStream : Stream
{
    private readonly FileStream _file;
    private long _bytesRead;

    private IoErrorMarkingStream(FileStream file) => _file = file;

    /// <summary>Bytes delivered by reads so far (what this reader cost the file system).</summary>
    public long BytesRead => Interlocked.Read(ref _bytesRead);

    /// <exception cref="FileIoException">The file cannot be opened (vanished, no permission, locked).</exception>
    public static IoErrorMarkingStream OpenRead(string path)
    {
        try
        {
            return new IoErrorMarkingStream(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read));
        }
        catch (Exception e) when (IsIoError(e))
        {
            throw new FileIoException(e);
        }
    }

    /// <summary>What the file system throws when it cannot deliver; anything else (a bug, a cancellation) passes as it is.</summary>
    private static bool IsIoError(Exception e) => e is IOException or UnauthorizedAccessException or TimeoutException;

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length
    {
        get
        {
            try { return _file.Length; }
            catch (Exception e) when (IsIoError(e)) { throw new FileIoException(e); }
        }
    }

    public override long Position
    {
        get => _file.Position;
        set => Seek(value, SeekOrigin.Begin);
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        try { return _file.Seek(offset, origin); }
        catch (Exception e) when (IsIoError(e)) { throw new FileIoException(e); }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        try { return Counted(_file.Read(buffer)); }
        catch (Exception e) when (IsIoError(e)) { throw new FileIoException(e); }
    }

    /// <summary>The library's Thrift reader reads page headers a byte at a time.</summary>
    public override int ReadByte()
    {
        try
        {
            var value = _file.ReadByte();
            if (value >= 0) Counted(1);
            return value;
        }
        catch (Exception e) when (IsIoError(e)) { throw new FileIoException(e); }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try { return Counted(await _file.ReadAsync(buffer, cancellationToken)); }
        catch (Exception e) when (IsIoError(e)) { throw new FileIoException(e); }
    }

    private int Counted(int bytes)
    {
        Interlocked.Add(ref _bytesRead, bytes);
        return bytes;
    }

    public override void Flush()
    {
        // Nothing is ever written.
    }

    public override void SetLength(long value) => throw new NotSupportedException("the data file is read-only");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("the data file is read-only");

    protected override void Dispose(bool disposing)
    {
        if (disposing) _file.Dispose();
        base.Dispose(disposing);
    }
}
