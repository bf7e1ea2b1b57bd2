using TinyClip.Data.Reading.Guard;
using Parquet;
using TinyClip.Data.Manifest;
using TinyClip.Data.Quarantine;
using TinyClip.Data.Reading;
using TinyClip.Data.Settings;
using TinyClip.Data.Tests.Support;

namespace TinyClip.Data.Tests;

/// <summary>
/// The stream Parquet.Net reads files through: reads inside the file are the file's bytes, a read that finds the end
/// throws, so a page header that runs the library to the end of the file fails its read instead of spinning (and the
/// row-group reader's page check refuses that header before the library gets to it).
/// </summary>
public class PastEndGuardStreamTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);
    private static readonly byte[] Bytes = Enumerable.Range(0, 100).Select(i => (byte)(i * 7)).ToArray();

    private static PastEndGuardStream Guard() => new(new MemoryStream(Bytes, writable: false));

    [Fact]
    public async Task Reads_inside_the_file_return_its_bytes_exactly()
    {
        var stream = Guard();
        Assert.Equal((100, true, false), (stream.Length, stream.CanSeek, stream.CanWrite));

        var read = new byte[100];
        stream.Position = 0;
        Assert.Equal(10, stream.Read(read, 0, 10));
        Assert.Equal(20, stream.Read(read.AsSpan(10, 20)));
        Assert.Equal(Bytes[30], stream.ReadByte());
        read[30] = Bytes[30];
#pragma warning disable CA1835 // the array overload is one of the two read paths under test
        Assert.Equal(30, await stream.ReadAsync(read, 31, 30));
#pragma warning restore CA1835
        Assert.Equal(39, await stream.ReadAsync(read.AsMemory(61)));
        Assert.Equal(Bytes, read);

        // A read that reaches the end returns the bytes left, as any stream does; only the next one finds nothing.
        stream.Seek(-5, SeekOrigin.End);
        Assert.Equal(5, stream.Read(new byte[16], 0, 16));
        Assert.Equal(100, stream.Position);
        Assert.Equal(0, stream.Read([], 0, 0));
        Assert.Equal(0, await stream.ReadAsync(Memory<byte>.Empty));
    }

    public static TheoryData<string> ReadKinds() => ["Read", "ReadByte", "ReadAsync"];

    [Theory]
    [MemberData(nameof(ReadKinds))]
    public async Task A_read_at_the_end_throws_instead_of_returning_nothing(string kind)
    {
        var stream = Guard();
        foreach (var position in new long[] { 100, 130 })
        {
            stream.Position = position;
            var error = await Assert.ThrowsAsync<InvalidDataException>(async () => _ = kind switch
            {
                "Read" => stream.Read(new byte[4], 0, 4),
                "ReadByte" => stream.ReadByte(),
                _ => await stream.ReadAsync(new byte[4]),
            });
            Assert.Equal($"damaged Parquet file: read past the end at byte {position} (file is 100 bytes)", error.Message);
        }
    }

    /// <summary>
    /// A shard whose footer is intact (it passes the footer check and the manifest) but whose row group 2 image page
    /// header starts with an unknown field 0 holding a binary, which the library skips by its length: it lands on the
    /// file's last byte, '1' of PAR1 (0x31), a field header for field 3, compressed_page_size, whose varint starts at the
    /// end of the file. Without the guard Parquet.Net 6.1.0 reads the end as 0xFF there forever (with the library
    /// handed the file stream itself, the first test below failed on its hang guard).
    /// </summary>
    private static async Task<(string Path, long FileLength, long HeaderStart)> HeaderRunningToTheEndAsync(TempDirectory dir)
    {
        var path = ParquetFiles.Img2Dataset(dir.File("shard.parquet"), ParquetFiles.GoodRows(24), rowGroupSize: 4);
        var bytes = File.ReadAllBytes(path);
        var start = await FirstPageOffsetAsync(path, rowGroup: 2, column: "jpg");
        SkipToLastByte(start, bytes.Length).CopyTo(bytes, start);
        File.WriteAllBytes(path, bytes);
        return (path, bytes.Length, start);
    }

    [Fact]
    public async Task The_library_reading_a_page_header_to_the_end_of_the_file_fails_instead_of_spinning()
    {
        using var dir = new TempDirectory();
        var (path, length, _) = await HeaderRunningToTheEndAsync(dir);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => Task.Run(async () =>
        {
            await using var stream = File.OpenRead(path);
            await using var reader = await ParquetFooterCheck.OpenAsync(stream);
            using var rowGroup = reader.OpenRowGroupReader(2);
            using var _ = await rowGroup.ReadRawColumnDataBaseAsync(reader.Schema.FindDataField("jpg"));
        }).WaitAsync(HangGuard));
        Assert.Equal($"damaged Parquet file: read past the end at byte {length} (file is {length} bytes)", error.Message);
    }

    [Fact]
    public async Task The_row_group_reader_quarantines_such_a_row_group_before_the_library_reads_it()
    {
        using var dir = new TempDirectory();
        var (path, _, start) = await HeaderRunningToTheEndAsync(dir);

        var quarantined = new List<QuarantineEntry>();
        var quarantine = new QuarantineLog(quarantined);
        var manifest = await Pipelines.ManifestAsync([path], new ColumnNames(), quarantine);
        Assert.Empty(quarantined);
        var groups = await Task.Run(async () =>
        {
            var read = new List<RawSample[]>();
            foreach (var group in manifest.RowGroups) read.Add(await RowGroupReader.ReadAsync(manifest, group, quarantine, Pipelines.Retry));
            return read;
        }).WaitAsync(HangGuard);

        // The page check walks the header within its column chunk: the binary's declared length leaves the chunk.
        var entry = Assert.Single(quarantined);
        Assert.Equal((path, 2L, QuarantineKind.RowGroup), (entry.File, entry.Row, entry.Kind));
        Assert.StartsWith($"row group 2 unreadable: damaged page header in column 'jpg': the page header at byte {start} ", entry.Reason);
        Assert.Contains("field 0: binary length", entry.Reason);
        Assert.All(groups[2], sample => Assert.Equal(entry.Reason, sample.SkipReason));
        Assert.All(groups.Where((_, g) => g != 2).SelectMany(g => g), sample => Assert.Null(sample.SkipReason));
    }

    private static async Task<long> FirstPageOffsetAsync(string path, int rowGroup, string column)
    {
        await using var stream = File.OpenRead(path);
        await using var reader = await ParquetReader.CreateAsync(stream);
        var chunk = reader.Metadata!.RowGroups[rowGroup].Columns.Single(c => c.MetaData!.PathInSchema.SequenceEqual([column])).MetaData!;
        Assert.Null(chunk.DictionaryPageOffset); // so the library starts at the data page
        return chunk.DataPageOffset;
    }

    /// <summary>Field header 0x08 (binary, id in a varint), id 0, then the binary's length: it ends one byte before the end.</summary>
    private static byte[] SkipToLastByte(long start, long fileLength)
    {
        for (var lengthBytes = 1; lengthBytes <= 5; lengthBytes++)
        {
            var length = new CompactBytes().Varint((ulong)(fileLength - 1 - (start + 2 + lengthBytes))).ToArray();
            if (length.Length == lengthBytes) return [0x08, 0x00, .. length];
        }
        throw new InvalidOperationException("no varint length fits");
    }
}
