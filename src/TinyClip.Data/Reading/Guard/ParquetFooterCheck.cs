using System.Buffers.Binary;
using Parquet;

namespace TinyClip.Data.Reading.Guard;

/// <summary>
/// Checks a Parquet file's magic, trailer and footer before Parquet.Net reads them; every reader of this project
/// opens files through <see cref="OpenAsync"/>. Parquet.Net 6.1.0 reads past the end of its footer buffer as endless
/// 0xFF bytes, and 0xFF continues a varint, so a footer that makes its decoder lose its place spins forever inside
/// <c>ParquetReader.CreateAsync</c>. Its decoder picks what to read by field id and ignores the wire types: one
/// flipped bit that turns <c>path_in_schema</c>'s list of strings into a list of i16 leaves valid Thrift that the
/// decoder reads as strings of garbage lengths until it runs off the end. The footer is therefore walked as that
/// decoder will read it (<see cref="ParquetFooterShape"/>) and refused unless the walk stays inside it.
/// <para>
/// The library decodes page headers with the same reader, from the file itself; a damaged one can run it to the end of
/// the file. The reader it gets therefore reads through a <see cref="PastEndGuardStream"/>, on which that read throws.
/// What a page header makes the library allocate is bounded by <see cref="ColumnChunkPageCheck"/>, which the row-group
/// reader runs on every column chunk before the library reads it.
/// </para>
/// </summary>
public static class ParquetFooterCheck
{
    private const int MagicLength = 4;
    private const int TrailerLength = 8; // footer length (int32, little-endian) + magic
    private static readonly byte[] Magic = "PAR1"u8.ToArray();

    /// <summary>
    /// Checks the file, then opens it with Parquet.Net, which reads it (footer now, row groups later) through a
    /// <see cref="PastEndGuardStream"/>: a read that finds the end of the file throws <see cref="InvalidDataException"/>.
    /// </summary>
    /// <param name="stream">The file; it stays the caller's to dispose, after the reader.</param>
    /// <exception cref="InvalidDataException">The file is not Parquet or its footer is damaged; the message says how.</exception>
    public static async Task<ParquetReader> OpenAsync(Stream stream, CancellationToken cancellationToken = default) =>
        (await OpenWithFooterStartAsync(stream, cancellationToken)).Reader;

    /// <summary><see cref="OpenAsync"/>, and where the footer starts: the end of the pages, for <see cref="ColumnChunkPageCheck"/>.</summary>
    public static async Task<(ParquetReader Reader, long FooterStart)> OpenWithFooterStartAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        var footerStart = await CheckAsync(stream, cancellationToken);
        // The reader leaves the stream open (its default), and the guard holds nothing of its own to dispose.
        return (await ParquetReader.CreateAsync(new PastEndGuardStream(stream), cancellationToken: cancellationToken), footerStart);
    }

    /// <returns>Where the footer starts.</returns>
    /// <exception cref="InvalidDataException">The file is not Parquet or its footer is damaged; the message says how.</exception>
    public static async Task<long> CheckAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        var length = stream.Length;
        if (length < MagicLength + TrailerLength)
            throw new InvalidDataException($"not a Parquet file: {length} bytes, fewer than the {MagicLength + TrailerLength} that its magic and trailer take");

        var head = new byte[MagicLength];
        stream.Position = 0;
        await stream.ReadExactlyAsync(head, cancellationToken);
        if (!head.AsSpan().SequenceEqual(Magic)) throw new InvalidDataException($"not a Parquet file: it starts with {Convert.ToHexString(head)}, not PAR1");

        var trailer = new byte[TrailerLength];
        stream.Position = length - TrailerLength;
        await stream.ReadExactlyAsync(trailer, cancellationToken);
        if (!trailer.AsSpan(MagicLength).SequenceEqual(Magic))
            throw new InvalidDataException($"truncated or damaged Parquet file: it ends with {Convert.ToHexString(trailer, MagicLength, MagicLength)}, not PAR1");
        var footerLength = BinaryPrimitives.ReadInt32LittleEndian(trailer);
        var room = length - MagicLength - TrailerLength;
        if (footerLength <= 0 || footerLength > room)
            throw new InvalidDataException($"damaged Parquet footer: its length {footerLength} does not fit in the {room} bytes between the magic and the trailer");

        var footer = new byte[footerLength];
        var footerStart = length - TrailerLength - footerLength;
        stream.Position = footerStart;
        await stream.ReadExactlyAsync(footer, cancellationToken);
        try
        {
            CheckFooter(footer);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"damaged Parquet footer ({footerLength} bytes at offset {footerStart}; positions below count from its start): {e.Message}");
        }
        return footerStart;
    }

    /// <summary>Walks the footer's Thrift as Parquet.Net will decode it.</summary>
    /// <returns>The bytes the <c>FileMetaData</c> struct takes; a signed plaintext footer has more after it.</returns>
    /// <exception cref="InvalidDataException">The decoder would misread the footer or read past its end.</exception>
    public static int CheckFooter(ReadOnlySpan<byte> footer) => ThriftCompactWalker.WalkStruct(footer, ParquetFooterShape.FileMetaData);
}
