using TinyClip.Data.Reading.Guard;
using Parquet;
using Parquet.Meta;
using TinyClip.Data.Manifest;
using TinyClip.Data.Quarantine;
using TinyClip.Data.Reading;
using TinyClip.Data.Settings;
using TinyClip.Data.Tests.Support;
using T = TinyClip.Data.Reading.Guard.ThriftCompactType;

namespace TinyClip.Data.Tests;

/// <summary>
/// The walk over a column chunk's page headers: hand-built chunks (a dictionary page, v1 and v2 data pages, several
/// pages) pass exactly when every declared size and count is one the file can hold, and the files this project writes
/// pass it in every layout and codec; a damaged header is refused with a message that names the column, the byte and the
/// bound.
/// </summary>
public class ColumnChunkPageCheckTests
{
    private const int DictionaryPage = 2, DataPage = 0, DataPageV2 = 3, IndexPage = 1;

    private static byte[] Header(int type, int uncompressed, int compressed, Action<CompactBytes>? pageHeader = null)
    {
        var bytes = new CompactBytes().Field(1, T.I32).I32(type).Field(2, T.I32).I32(uncompressed).Field(3, T.I32).I32(compressed);
        pageHeader?.Invoke(bytes);
        return bytes.Stop().ToArray();
    }

    private static Action<CompactBytes> Dictionary(int values) => b => b.Field(7, T.Struct).BeginStruct()
        .Field(1, T.I32).I32(values).Field(2, T.I32).I32(0).Stop();

    private static Action<CompactBytes> Data(int values) => b => b.Field(5, T.Struct).BeginStruct()
        .Field(1, T.I32).I32(values).Field(2, T.I32).I32(8).Field(3, T.I32).I32(3).Field(4, T.I32).I32(3).Stop();

    private static Action<CompactBytes> DataV2(int values, int nulls, int definitionBytes) => b => b.Field(8, T.Struct).BeginStruct()
        .Field(1, T.I32).I32(values).Field(2, T.I32).I32(nulls).Field(3, T.I32).I32(values).Field(4, T.I32).I32(8)
        .Field(5, T.I32).I32(definitionBytes).Field(6, T.I32).I32(0).Field(7, T.BoolFalse).Stop();

    /// <summary>"PAR1", then each page (header and <c>compressed</c> bytes of payload), then 20 bytes standing for the footer.</summary>
    private static (MemoryStream File, ColumnMetaData Chunk, long FooterStart) Chunk(long numValues, params (byte[] Header, int Payload)[] pages)
    {
        var bytes = new List<byte>("PAR1"u8.ToArray());
        foreach (var (header, payload) in pages)
        {
            bytes.AddRange(header);
            bytes.AddRange(Enumerable.Repeat((byte)0x5A, payload));
        }
        var footerStart = bytes.Count;
        bytes.AddRange(new byte[20]);
        var chunk = new ColumnMetaData
        {
            Type = Parquet.Meta.Type.BYTE_ARRAY,
            NumValues = numValues,
            DataPageOffset = 4,
            TotalCompressedSize = footerStart - 4,
            TotalUncompressedSize = 1000,
        };
        return (new MemoryStream(bytes.ToArray(), writable: false), chunk, footerStart);
    }

    private static Task CheckAsync((MemoryStream File, ColumnMetaData Chunk, long FooterStart) c) =>
        ColumnChunkPageCheck.CheckAsync(c.File, c.Chunk, c.FooterStart, "caption");

    private static async Task<string> RefusedAsync((MemoryStream File, ColumnMetaData Chunk, long FooterStart) c) =>
        (await Assert.ThrowsAsync<InvalidDataException>(() => CheckAsync(c))).Message;

    [Fact]
    public async Task A_dictionary_page_and_data_pages_of_both_versions_that_add_up_pass()
    {
        await CheckAsync(Chunk(10,
            (Header(DictionaryPage, 40, 40, Dictionary(5)), 40),
            (Header(DataPage, 30, 30, Data(4)), 30),
            (Header(DataPageV2, 25, 25, DataV2(6, 2, 3)), 25)));
    }

    [Fact]
    public async Task The_walk_stops_where_the_values_are_complete_as_the_library_does()
    {
        // Whatever follows the last page needed (here bytes that are no header) is never read by the library.
        var complete = Chunk(4, (Header(DataPage, 30, 30, Data(4)), 30), ([0xFF, 0xFF, 0xFF], 0));
        await CheckAsync(complete);
        // A chunk with no values has no pages to read.
        await CheckAsync(Chunk(0, ([0xFF], 0)));
    }

    [Fact]
    public async Task A_header_with_statistics_longer_than_the_first_read_is_read_in_full()
    {
        var big = new string('x', 10_000);
        var header = Header(DataPage, 30, 30, b => b.Field(5, T.Struct).BeginStruct()
            .Field(1, T.I32).I32(3).Field(2, T.I32).I32(0).Field(3, T.I32).I32(3).Field(4, T.I32).I32(3)
            .Field(5, T.Struct).BeginStruct().Field(1, T.Binary).Binary(big).Field(2, T.Binary).Binary(big).Stop().Stop());
        Assert.True(header.Length > 20_000);
        await CheckAsync(Chunk(3, (header, 30)));
    }

    [Fact]
    public async Task A_binary_field_that_declares_more_bytes_than_the_chunk_has_is_refused()
    {
        // The library would allocate 2,000,000,000 zeroed bytes for this unknown field before reading it.
        var header = new CompactBytes().Field(1, T.I32).I32(DataPage).Field(20, T.Binary).Varint(2_000_000_000).Raw(1, 2, 3).ToArray();
        var message = await RefusedAsync(Chunk(4, (header, 30)));
        Assert.Equal("damaged page header in column 'caption': the page header at byte 4 (positions below count from its start; walked to byte 46): " +
            "PageHeader field 20: binary length 2000000000 at byte 4 exceeds the 33 bytes left", message);
    }

    [Fact]
    public async Task A_compressed_size_beyond_the_pages_is_refused()
    {
        var chunk = Chunk(4, (Header(DataPage, 30, 31, Data(4)), 30));
        Assert.Equal($"damaged page header in column 'caption': the page header at byte 4 declares compressed_page_size 31; 30 bytes are left before the footer",
            await RefusedAsync(chunk));
        Assert.Contains("declares compressed_page_size -1;", await RefusedAsync(Chunk(4, (Header(DataPage, 30, -1, Data(4)), 30))));
    }

    [Fact]
    public async Task An_uncompressed_size_beyond_the_chunks_total_is_refused()
    {
        // Parquet.Net takes a buffer of uncompressed_page_size before it decompresses a page.
        Assert.Equal("damaged page header in column 'caption': the page header at byte 4 declares uncompressed_page_size 2000000000, more than the chunk's total_uncompressed_size 1000",
            await RefusedAsync(Chunk(4, (Header(DataPage, 2_000_000_000, 30, Data(4)), 30))));
    }

    [Fact]
    public async Task A_dictionary_of_more_values_than_its_bytes_can_hold_is_refused()
    {
        // The library allocates the dictionary's declared entries before decoding them.
        Assert.Equal("damaged page header in column 'caption': the page header at byte 4 declares 41 dictionary values in 40 bytes",
            await RefusedAsync(Chunk(4, (Header(DictionaryPage, 40, 40, Dictionary(41)), 40), (Header(DataPage, 30, 30, Data(4)), 30))));
        var booleans = Chunk(4, (Header(DictionaryPage, 5, 5, Dictionary(40)), 5), (Header(DataPage, 30, 30, Data(4)), 30));
        booleans.Chunk.Type = Parquet.Meta.Type.BOOLEAN;
        await CheckAsync(booleans); // plain booleans take a bit each
    }

    [Fact]
    public async Task Data_pages_that_declare_more_values_than_the_chunk_are_refused()
    {
        Assert.Equal("damaged page header in column 'caption': the page header at byte 4 declares 5 values; the chunk has 4 left of its 4",
            await RefusedAsync(Chunk(4, (Header(DataPage, 30, 30, Data(5)), 30))));
        var second = Header(DataPage, 30, 30, Data(2));
        Assert.EndsWith("declares 3 values; the chunk has 2 left of its 4", await RefusedAsync(Chunk(4, (second, 30), (Header(DataPage, 30, 30, Data(3)), 30))));
    }

    [Fact]
    public async Task Pages_that_end_before_the_chunks_values_are_refused()
    {
        var chunk = Chunk(4, (Header(DataPage, 30, 30, Data(2)), 30));
        Assert.Equal($"damaged page header in column 'caption': its pages reach the footer at byte {chunk.FooterStart} with 2 of the chunk's 4 values still to come",
            await RefusedAsync(chunk));
    }

    [Fact]
    public async Task Page_types_and_headers_the_library_cannot_read_are_refused()
    {
        Assert.EndsWith("has page type 1, which Parquet.Net cannot read in a column chunk", await RefusedAsync(Chunk(4, (Header(IndexPage, 0, 0), 0))));
        Assert.EndsWith("is a data page without its data_page_header", await RefusedAsync(Chunk(4, (Header(DataPage, 30, 30), 30))));
        Assert.EndsWith("is a dictionary page without a dictionary_page_header", await RefusedAsync(Chunk(4, (Header(DictionaryPage, 30, 30), 30))));
        Assert.EndsWith("declares nulls or level lengths that do not fit its values and 25 bytes",
            await RefusedAsync(Chunk(6, (Header(DataPageV2, 25, 25, DataV2(6, 7, 3)), 25))));
        Assert.EndsWith("declares nulls or level lengths that do not fit its values and 25 bytes",
            await RefusedAsync(Chunk(6, (Header(DataPageV2, 25, 25, DataV2(6, 0, 26)), 25))));
        // A field with the wrong wire type is misread by the library's decoder: refused like in the footer.
        var misread = new CompactBytes().Field(1, T.Binary).Binary("x").Stop().ToArray();
        Assert.Contains("PageHeader.type (field 1) at byte 0 has wire type binary, expected i32", await RefusedAsync(Chunk(4, (misread, 0))));
    }

    [Fact]
    public async Task A_first_page_offset_outside_the_pages_or_an_impossible_value_count_is_refused()
    {
        var chunk = Chunk(4, (Header(DataPage, 30, 30, Data(4)), 30));
        chunk.Chunk.DataPageOffset = chunk.FooterStart;
        Assert.EndsWith($"the footer puts its first page at byte {chunk.FooterStart}, outside the pages (bytes 4 to {chunk.FooterStart})", await RefusedAsync(chunk));
        chunk.Chunk.DataPageOffset = 4;
        chunk.Chunk.NumValues = -1;
        Assert.EndsWith("the footer declares -1 values in the chunk", await RefusedAsync(chunk));
    }

    public static TheoryData<string, CompressionMethod> WrittenLayouts() => new()
    {
        { "img2dataset", CompressionMethod.Snappy },
        { "img2dataset", CompressionMethod.None },
        { "img2dataset", CompressionMethod.Gzip },
        { "img2dataset", CompressionMethod.Zstd },
        { "huggingface", CompressionMethod.Snappy },
    };

    [Theory]
    [MemberData(nameof(WrittenLayouts))]
    public async Task Every_column_chunk_of_the_files_this_project_writes_passes(string layout, CompressionMethod compression)
    {
        using var dir = new TempDirectory();
        var path = layout == "huggingface"
            ? await ParquetFiles.HuggingFaceAsync(dir.File("hf.parquet"),
                Enumerable.Range(0, 40).Select(i => new ParquetFiles.HfRow(false, TestImages.Jpeg(seed: i), $"img{i}.jpg", $"caption {i % 7}")).ToArray())
            : ParquetFiles.Img2Dataset(dir.File("shard.parquet"), ParquetFiles.GoodRows(40), rowGroupSize: 8, compression);

        await using var stream = File.OpenRead(path);
        var (reader, footerStart) = await ParquetFooterCheck.OpenWithFooterStartAsync(stream);
        await using var _ = reader;
        var chunks = reader.Metadata!.RowGroups.SelectMany(g => g.Columns).Select(c => c.MetaData!).ToList();
        Assert.NotEmpty(chunks);
        foreach (var chunk in chunks) await ColumnChunkPageCheck.CheckAsync(stream, chunk, footerStart, string.Join("/", chunk.PathInSchema));

        // And the reader that runs the check reads every row.
        var quarantined = new List<QuarantineEntry>();
        var quarantine = new QuarantineLog(quarantined);
        var manifest = await Pipelines.ManifestAsync([path], new ColumnNames(), quarantine);
        foreach (var group in manifest.RowGroups) Assert.All(await RowGroupReader.ReadAsync(manifest, group, quarantine, Pipelines.Retry), s => Assert.Null(s.SkipReason));
        Assert.Empty(quarantined);
    }
}
