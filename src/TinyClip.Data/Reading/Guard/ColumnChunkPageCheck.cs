using Parquet.Meta;

namespace TinyClip.Data.Reading.Guard;

/// <summary>
/// Walks a column chunk's page headers the way Parquet.Net 6.1.0 will read them, before it does, and refuses the
/// chunk when a header is damaged. The library allocates what a header declares before it reads: a Thrift binary
/// field (statistics, or an unknown field it skips) as a zeroed array of the declared length, a page buffer of
/// <c>uncompressed_page_size</c> (or of <c>compressed_page_size</c> for a v2 page) and a dictionary of the declared
/// value count. A flipped byte could thus ask for gigabytes. After this check every such amount is bounded by the file:
/// <list type="bullet">
/// <item>each header is walked as the library decodes it (<see cref="ParquetPageHeaderShape"/>), so a binary field
/// never declares more bytes than the column chunk has left (a header may not run past the chunk's
/// <c>total_compressed_size</c>, nor past the footer, nor be longer than 64 MiB);</item>
/// <item><c>compressed_page_size</c> fits in the bytes before the footer;</item>
/// <item><c>uncompressed_page_size</c> is at most the chunk's <c>total_uncompressed_size</c> from the (checked) footer;</item>
/// <item>a dictionary holds at most one value per byte of its page (per bit for booleans): plain encoding spends at
/// least that;</item>
/// <item>data pages declare no more values than the chunk has left (the footer's <c>num_values</c>).</item>
/// </list>
/// The walk follows the library: from the chunk's lowest page offset that is set, page after page, until the data
/// pages hold the chunk's <c>num_values</c>. Every bound is one the format itself states, so a valid file always
/// passes; what fails is quarantined with the reason instead of being handed to the library.
/// </summary>
public static class ColumnChunkPageCheck
{
    /// <summary>The first read for a header: real headers take tens of bytes, or a few KiB with statistics.</summary>
    private const int FirstHeaderRead = 4096;
    private const int HeaderReadGrowth = 16;
    /// <summary>Writers keep page statistics to a few KiB (pyarrow and parquet-mr drop min/max above 4 KiB); a header
    /// longer than this is refused rather than read into memory whole.</summary>
    private const int MaxHeaderBytes = 64 << 20;

    /// <param name="file">The Parquet file (any position; it is left anywhere).</param>
    /// <param name="chunk">The column chunk's metadata from the footer.</param>
    /// <param name="footerStart">Where the footer starts: pages end before it.</param>
    /// <param name="column">The column's name, for messages.</param>
    /// <exception cref="InvalidDataException">A page header is damaged; the message says which and how.</exception>
    public static async Task CheckAsync(Stream file, ColumnMetaData chunk, long footerStart, string column, CancellationToken cancellationToken = default)
    {
        if (chunk.NumValues is < 0 or > int.MaxValue)
            throw Damaged(column, $"the footer declares {chunk.NumValues} values in the chunk");
        var position = new[] { chunk.DictionaryPageOffset ?? 0, chunk.DataPageOffset, chunk.IndexPageOffset ?? 0 }.Where(o => o != 0).DefaultIfEmpty(0).Min();
        if (position < 4 || position >= footerStart)
            throw Damaged(column, $"the footer puts its first page at byte {position}, outside the pages (bytes 4 to {footerStart})");
        // A header is part of its chunk; the footer's total is only trusted as far as the footer itself goes.
        var chunkEnd = chunk.TotalCompressedSize > 0 ? Math.Min(footerStart, position + chunk.TotalCompressedSize) : footerStart;

        long valuesLeft = chunk.NumValues;
        while (valuesLeft > 0)
        {
            if (position >= footerStart)
                throw Damaged(column, $"its pages reach the footer at byte {footerStart} with {valuesLeft} of the chunk's {chunk.NumValues} values still to come");
            // Past the chunk's declared end (the library reads on while values are missing) only the footer bounds a header.
            var (header, length) = await ReadHeaderAsync(file, position, position < chunkEnd ? chunkEnd : footerStart, column, cancellationToken);
            var at = $"the page header at byte {position}";
            if (header.CompressedSize < 0 || header.CompressedSize > footerStart - (position + length))
                throw Damaged(column, $"{at} declares compressed_page_size {header.CompressedSize}; {footerStart - (position + length)} bytes are left before the footer");
            if (header.UncompressedSize < 0 || (chunk.TotalUncompressedSize > 0 && header.UncompressedSize > chunk.TotalUncompressedSize))
                throw Damaged(column, $"{at} declares uncompressed_page_size {header.UncompressedSize}, more than the chunk's total_uncompressed_size {chunk.TotalUncompressedSize}");
            switch (header.Type)
            {
                case PageType.DICTIONARY_PAGE:
                    var mostValues = chunk.Type == Parquet.Meta.Type.BOOLEAN ? 8L * header.UncompressedSize : header.UncompressedSize;
                    if (header.DictionaryValues is not { } entries)
                        throw Damaged(column, $"{at} is a dictionary page without a dictionary_page_header");
                    if (entries < 0 || entries > mostValues)
                        throw Damaged(column, $"{at} declares {entries} dictionary values in {header.UncompressedSize} bytes");
                    break;
                case PageType.DATA_PAGE or PageType.DATA_PAGE_V2:
                    if (header.DataValues is not { } values)
                        throw Damaged(column, $"{at} is a data page without its data_page_header");
                    if (values < 0 || values > valuesLeft)
                        throw Damaged(column, $"{at} declares {values} values; the chunk has {valuesLeft} left of its {chunk.NumValues}");
                    if (header.Type == PageType.DATA_PAGE_V2 && !header.LevelsFit)
                        throw Damaged(column, $"{at} declares nulls or level lengths that do not fit its values and {header.CompressedSize} bytes");
                    valuesLeft -= values;
                    break;
                default:
                    throw Damaged(column, $"{at} has page type {(int)header.Type}, which Parquet.Net cannot read in a column chunk");
            }
            position += length + header.CompressedSize;
        }
    }

    /// <summary>Reads and walks the header at <paramref name="position"/>, reading more while the walk needs more bytes (up to <paramref name="end"/>).</summary>
    private static async Task<(PageHeaderFields Header, int Length)> ReadHeaderAsync(Stream file, long position, long end, string column, CancellationToken cancellationToken)
    {
        var available = Math.Min(end - position, MaxHeaderBytes);
        var size = (int)Math.Min(available, FirstHeaderRead);
        while (true)
        {
            var bytes = new byte[size];
            file.Position = position;
            await file.ReadExactlyAsync(bytes, cancellationToken);
            try
            {
                var header = new PageHeaderFields();
                var length = ThriftCompactWalker.WalkStruct(bytes, ParquetPageHeaderShape.PageHeader, header.Take, streamBytes: available);
                return (header, length);
            }
            catch (ThriftWindowTooShortException)
            {
                // The walk needs bytes that are there (within available, so size < available): read more.
                size = (int)Math.Min(available, (long)size * HeaderReadGrowth);
            }
            catch (InvalidDataException e)
            {
                throw Damaged(column, $"the page header at byte {position} (positions below count from its start; walked to byte {position + size}): {e.Message}");
            }
        }
    }

    private static InvalidDataException Damaged(string column, string problem) => new($"damaged page header in column '{column}': {problem}");

    /// <summary>The values of a page header that the check needs, as the walk reports them.</summary>
    private sealed class PageHeaderFields
    {
        public PageType Type { get; private set; } = (PageType)(-1);
        public long UncompressedSize { get; private set; } = -1;
        public long CompressedSize { get; private set; } = -1;
        public long? DictionaryValues { get; private set; }
        public long? DataValues { get; private set; }
        private long _nulls, _definitionLevelBytes, _repetitionLevelBytes;

        /// <summary>A v2 page's nulls are some of its values, and its level bytes come out of the page's bytes.</summary>
        public bool LevelsFit => _nulls >= 0 && _nulls <= (DataValues ?? 0) && _definitionLevelBytes >= 0 && _repetitionLevelBytes >= 0
                                 && _definitionLevelBytes + _repetitionLevelBytes <= CompressedSize;

        public void Take(ThriftStructShape owner, ThriftFieldShape field, long value)
        {
            if (owner == ParquetPageHeaderShape.PageHeader)
            {
                switch (field.Name)
                {
                    case "type": Type = (PageType)(int)value; break;
                    case "uncompressed_page_size": UncompressedSize = value; break;
                    case "compressed_page_size": CompressedSize = value; break;
                }
            }
            else if (owner == ParquetPageHeaderShape.DictionaryPageHeader && field.Name == "num_values") DictionaryValues = value;
            else if (owner == ParquetPageHeaderShape.DataPageHeader && field.Name == "num_values") DataValues = value;
            else if (owner == ParquetPageHeaderShape.DataPageHeaderV2)
            {
                switch (field.Name)
                {
                    case "num_values": DataValues = value; break;
                    case "num_nulls": _nulls = value; break;
                    case "definition_levels_byte_length": _definitionLevelBytes = value; break;
                    case "repetition_levels_byte_length": _repetitionLevelBytes = value; break;
                }
            }
        }
    }
}
