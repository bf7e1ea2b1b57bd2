using TinyClip.Data.Reading.Guard;
using System.Buffers.Binary;
using Parquet;
using Parquet.Schema;
using TinyClip.Data.Manifest;
using TinyClip.Data.Quarantine;
using TinyClip.Data.Reading;
using TinyClip.Data.Settings;
using TinyClip.Data.Tests.Support;
using T = TinyClip.Data.Reading.Guard.ThriftCompactType;

namespace TinyClip.Data.Tests;

/// <summary>
/// The footer check against Parquet.Net 6.1.0: what it lets through the library decodes in step (never past the end),
/// valid files from every writer the project uses pass, and damage the library would spin on is refused.
/// </summary>
public class ParquetFooterCheckTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Every_field_of_the_footer_shape_is_decoded_by_Parquet_Net_as_the_shape_says(bool integersAsTenByteI64)
    {
        // Each struct carries every field the shape names plus unknown fields of the kinds the check lets through;
        // had the shape a type wrong, or were an unknown field skipped differently, the library would lose its place
        // and the values read after it would be wrong (or the decode would not end). With every integer written as an
        // i64 padded to ten bytes, which the check lets through for i16 and i32 fields too, the values must still come out.
        var footer = new CompactBytes();
        WriteEveryField(footer, ParquetFooterShape.FileMetaData, integersAsTenByteI64);
        var bytes = footer.ToArray();
        Assert.Equal(bytes.Length, ParquetFooterCheck.CheckFooter(bytes));

        using var dir = new TempDirectory();
        var path = dir.File("every-field.parquet");
        File.WriteAllBytes(path, [.. "PAR1"u8, .. bytes, .. LittleEndian(bytes.Length), .. "PAR1"u8]);
        var metadata = await Task.Run(async () =>
        {
            await using var stream = File.OpenRead(path);
            await using var reader = await ParquetFooterCheck.OpenAsync(stream);
            return reader.Metadata!;
        }).WaitAsync(HangGuard);

        Assert.Equal(7, metadata.NumRows);
        Assert.Equal("x"u8.ToArray(), metadata.FooterSigningKeyMetadata);
        Assert.True(metadata.EncryptionAlgorithm!.AESGCMCTRV1!.SupplyAadPrefix);
        Assert.Equal("x", Assert.Single(metadata.KeyValueMetadata!).Value);
        Assert.Single(metadata.ColumnOrders!);
        var element = Assert.Single(metadata.Schema);
        Assert.Equal((sbyte)1, element.LogicalType!.VARIANT!.SpecificationVersion);
        Assert.Equal("x", element.LogicalType.GEOGRAPHY!.Crs);
        var group = Assert.Single(metadata.RowGroups);
        Assert.Equal((short)3, group.Ordinal);
        Assert.True(Assert.Single(group.SortingColumns!).NullsFirst);
        var column = Assert.Single(group.Columns);
        Assert.Equal("x"u8.ToArray(), column.EncryptedColumnMetadata);
        Assert.Equal("x"u8.ToArray(), column.CryptoMetadata!.ENCRYPTIONWITHCOLUMNKEY!.KeyMetadata);
        Assert.Equal(1.5, column.MetaData!.GeospatialStatistics!.Bbox!.Mmax);
        Assert.Equal([7L], column.MetaData.SizeStatistics!.DefinitionLevelHistogram!);
        Assert.True(column.MetaData.Statistics!.IsMinValueExact);
    }

    public static TheoryData<string> Writers() => ["img2dataset snappy", "img2dataset gzip", "img2dataset uncompressed", "hugging face", "laion", "dictionary strings", "key-value metadata"];

    [Theory]
    [MemberData(nameof(Writers))]
    public async Task A_valid_file_passes_and_its_footer_is_walked_to_the_last_byte(string writer)
    {
        using var dir = new TempDirectory();
        var path = await WriteAsync(writer, dir);

        await using (var stream = File.OpenRead(path))
        await using (var reader = await ParquetFooterCheck.OpenAsync(stream))
        {
            Assert.NotEmpty(reader.Metadata!.RowGroups);
            if (writer == "dictionary strings")
                Assert.Contains(reader.Metadata.RowGroups[0].Columns, c => c.MetaData!.Encodings.Contains(Parquet.Meta.Encoding.PLAIN_DICTIONARY));
            if (writer == "key-value metadata")
                Assert.Equal("v1", reader.CustomMetadata["tinyclip.k1"]);
        }
        var bytes = File.ReadAllBytes(path);
        var footerLength = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(bytes.Length - 8));
        Assert.Equal(footerLength, ParquetFooterCheck.CheckFooter(bytes.AsSpan(bytes.Length - 8 - footerLength, footerLength)));
    }

    [Fact]
    public async Task A_flipped_list_element_type_quarantines_the_file_instead_of_hanging_the_library()
    {
        // The cause of fuzz seed 77 variants 2908 and 2960: path_in_schema's list<binary> header (0x18, one element)
        // became 0xd4 (13 i16 elements). The bytes still walk as Thrift; Parquet.Net, reading 13 strings, ran off the end.
        using var dir = new TempDirectory();
        var path = ParquetFiles.Img2Dataset(dir.File("shard.parquet"), ParquetFiles.GoodRows(8));
        var bytes = File.ReadAllBytes(path);
        var at = bytes.AsSpan().LastIndexOf((byte[])[0x19, 0x18, 0x07, .. "caption"u8]) + 1;
        Assert.True(at > 0, "caption's path_in_schema not found in the footer");
        bytes[at] = 0xd4;
        File.WriteAllBytes(path, bytes);

        var quarantined = new List<QuarantineEntry>();
        var quarantine = new QuarantineLog(quarantined);
        var error = await Assert.ThrowsAsync<DataConfigurationException>(() =>
            Task.Run(() => Pipelines.ManifestAsync([path], new ColumnNames(), quarantine)).WaitAsync(HangGuard));

        var entry = Assert.Single(quarantined);
        Assert.Equal((path, QuarantineKind.File), (entry.File, entry.Kind));
        Assert.Contains("damaged Parquet footer", entry.Reason);
        Assert.Contains("ColumnMetaData.path_in_schema (field 3)", entry.Reason);
        Assert.Contains("is a list of i16, expected list<binary>", entry.Reason);
        Assert.Contains("damaged Parquet footer", error.Message);
    }

    public static TheoryData<string, byte[], string> DamagedForTheDecoder() => new()
    {
        { "a known field with another wire type", new CompactBytes().Field(3, T.Binary).Binary("12").Stop().ToArray(),
            "FileMetaData.num_rows (field 3) at byte 0 has wire type binary, expected i64" },
        { "a known list with another element type", new CompactBytes().Field(4, T.List).ListHeader(1, T.I64).I64(1).Stop().ToArray(),
            "FileMetaData.row_groups (field 4) at byte 1 is a list of i64, expected list<RowGroup>" },
        { "a bool where a struct is read", new CompactBytes().Field(8, T.BoolTrue).Stop().ToArray(),
            "FileMetaData.encryption_algorithm (field 8) at byte 0 has wire type bool, expected EncryptionAlgorithm" },
        { "an unknown struct with a value field", new CompactBytes().Field(100, T.Struct).BeginStruct().Field(1, T.I32).I32(1).Stop().Stop().ToArray(),
            "field 1 at byte 3 has wire type i32 inside an unknown struct that starts at byte 3" },
        { "an unknown list of structs with a value field", new CompactBytes().Field(100, T.List).ListHeader(1, T.Struct).BeginStruct().Field(1, T.Binary).Binary("a").Stop().Stop().ToArray(),
            "has wire type binary inside an unknown struct" },
        { "an unknown list of bools", new CompactBytes().Field(100, T.List).ListHeader(2, T.BoolTrue).Raw(1, 1).Stop().ToArray(),
            "FileMetaData field 100 at byte 3 is a list of 2 bools, whose bytes Parquet.Net does not read when it skips them" },
        { "an unknown set", new CompactBytes().Field(100, T.Set).ListHeader(1, T.I32).I32(1).Stop().ToArray(),
            "FileMetaData field 100 at byte 3 is a set, which Parquet.Net cannot skip" },
        { "an unknown map", new CompactBytes().Field(100, T.Map).Varint(0).Stop().ToArray(),
            "FileMetaData field 100 at byte 3 is a map, which Parquet.Net cannot skip" },
        { "a nested known field with another wire type", RowGroupWithOrdinal(T.Binary),
            "RowGroup.ordinal (field 7) at byte 2 has wire type binary, expected i16" },
    };

    [Theory]
    [MemberData(nameof(DamagedForTheDecoder))]
    public void Thrift_the_decoder_would_misread_is_refused(string what, byte[] footer, string message)
    {
        ThriftCompactWalker.WalkStruct(footer); // valid Thrift all the same
        var error = Assert.Throws<InvalidDataException>(() => ParquetFooterCheck.CheckFooter(footer));
        Assert.True(error.Message.Contains(message, StringComparison.Ordinal), $"{what}: {error.Message}");
    }

    [Fact]
    public void Unknown_fields_the_decoder_skips_correctly_pass()
    {
        var footer = new CompactBytes()
            .Field(3, T.I64).I64(5)
            .Field(100, T.Struct).BeginStruct().Stop()
            .Field(101, T.Struct).BeginStruct().Field(1, T.BoolTrue).Field(2, T.BoolFalse).Stop()
            .Field(102, T.List).ListHeader(2, T.List).ListHeader(1, T.I32).I32(1).ListHeader(0, T.I32)
            .Field(103, T.List).ListHeader(0, T.BoolTrue)
            .Field(-7, T.Double).Double(2)
            .Stop().ToArray();
        Assert.Equal(footer.Length, ParquetFooterCheck.CheckFooter(footer));
    }

    [Fact]
    public void An_integer_of_another_width_passes_because_the_decoder_reads_every_varint_to_its_end()
    {
        var footer = RowGroupWithOrdinal(T.I64);
        Assert.Equal(footer.Length, ParquetFooterCheck.CheckFooter(footer));
    }

    public static TheoryData<string, byte[], string> DamagedFiles() => new()
    {
        { "empty", [], "not a Parquet file: 0 bytes, fewer than the 12" },
        { "no head magic", [.. "PAR2"u8, 0x00, .. LittleEndian(1), .. "PAR1"u8], "not a Parquet file: it starts with 50415232, not PAR1" },
        { "truncated", [.. "PAR1"u8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00], "truncated or damaged Parquet file: it ends with 00000000, not PAR1" },
        { "footer length beyond the file", [.. "PAR1"u8, 0x00, .. LittleEndian(2), .. "PAR1"u8], "damaged Parquet footer: its length 2 does not fit in the 1 bytes" },
        { "negative footer length", [.. "PAR1"u8, 0x00, .. LittleEndian(-5), .. "PAR1"u8], "damaged Parquet footer: its length -5 does not fit" },
        { "footer without its STOP", [.. "PAR1"u8, 0x15, 0x02, .. LittleEndian(2), .. "PAR1"u8],
            "damaged Parquet footer (2 bytes at offset 4; positions below count from its start): the FileMetaData that starts at byte 0 has no STOP" },
    };

    [Theory]
    [MemberData(nameof(DamagedFiles))]
    public async Task A_damaged_file_is_refused_before_the_library_reads_it(string what, byte[] file, string message)
    {
        using var stream = new MemoryStream(file);
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => ParquetFooterCheck.CheckAsync(stream));
        Assert.True(error.Message.Contains(message, StringComparison.Ordinal), $"{what}: {error.Message}");
    }

    /// <summary>A footer with one row group whose ordinal has the given wire type; its byte 0x00 is a valid value of any integer type and of binary.</summary>
    private static byte[] RowGroupWithOrdinal(T ordinalType) => new CompactBytes()
        .Field(4, T.List).ListHeader(1, T.Struct).BeginStruct().Field(7, ordinalType).Raw(0x00).Stop()
        .Stop().ToArray();

    private static byte[] LittleEndian(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        return bytes;
    }

    /// <summary>Every field of the shape in id order, then unknown fields Parquet.Net skips correctly (ids 100..104).</summary>
    private static void WriteEveryField(CompactBytes bytes, ThriftStructShape shape, bool integersAsTenByteI64)
    {
        foreach (var field in shape.Fields.Values.OrderBy(f => f.Id))
        {
            bytes.Field(field.Id, WireType(field.Value, integersAsTenByteI64));
            WriteValue(bytes, field.Value, integersAsTenByteI64);
        }
        bytes.Field(100, T.I64).I64(-1)
            .Field(101, T.Binary).Binary("unknown")
            .Field(102, T.List).ListHeader(2, T.I32).I32(1).I32(2)
            .Field(103, T.Struct).BeginStruct().Field(1, T.BoolFalse).Stop()
            .Field(104, T.Double).Double(3);
        bytes.Stop();
    }

    private static T WireType(ThriftValueShape value, bool integersAsTenByteI64) =>
        integersAsTenByteI64 && value.Type is T.I16 or T.I32 or T.I64 ? T.I64 : value.Type;

    private static void WriteValue(CompactBytes bytes, ThriftValueShape value, bool integersAsTenByteI64)
    {
        // Zero keeps the schema a lone root (num_children 0) that the library's schema tree accepts.
        long? integer = value.Type switch { T.I16 => 3, T.I32 => 0, T.I64 => 7, _ => null };
        if (integer is not null)
        {
            if (integersAsTenByteI64) bytes.PaddedI64(integer.Value, 10);
            else bytes.I64(integer.Value);
            return;
        }
        switch (value.Type)
        {
            case T.BoolTrue: break;
            case T.Byte: bytes.Raw(1); break;
            case T.Double: bytes.Double(1.5); break;
            case T.Binary: bytes.Binary("x"); break;
            case T.List:
                bytes.ListHeader(1, WireType(value.Element!, integersAsTenByteI64));
                WriteValue(bytes, value.Element!, integersAsTenByteI64);
                break;
            case T.Struct:
                bytes.BeginStruct();
                WriteEveryField(bytes, value.Struct!, integersAsTenByteI64);
                break;
            default: throw new ArgumentException($"the footer shape has no {value.Type}");
        }
    }

    private static async Task<string> WriteAsync(string writer, TempDirectory dir)
    {
        var path = dir.File("file.parquet");
        switch (writer)
        {
            case "img2dataset snappy": return ParquetFiles.Img2Dataset(path, ParquetFiles.GoodRows(24), rowGroupSize: 4);
            case "img2dataset gzip": return ParquetFiles.Img2Dataset(path, ParquetFiles.GoodRows(10), rowGroupSize: 3, CompressionMethod.Gzip);
            case "img2dataset uncompressed": return ParquetFiles.Img2Dataset(path, ParquetFiles.GoodRows(5), rowGroupSize: 5, CompressionMethod.None);
            case "hugging face":
                return await ParquetFiles.HuggingFaceAsync(path, [
                    new(false, TestImages.Png(8, 8), "a.png", "a cat"), new(true, null, null, "nothing"), new(false, null, "b.png", "no bytes")]);
            case "laion":
                return await ParquetFiles.ColumnsAsync(path, ("jpg", new[] { TestImages.Jpeg(8, 8), TestImages.Jpeg(9, 9) }),
                    ("TEXT", new[] { "a", "b" }), ("SAMPLE_ID", new[] { 10L, 11L }));
            case "dictionary strings":
            {
                // Parquet.Net dictionary-encodes only on request.
                var options = new ParquetOptions();
                options.ColumnEncodingHints["caption"] = EncodingHint.Dictionary;
                return await WriteCaptionsAsync(path, Enumerable.Repeat("the same caption", 200).ToArray(), options);
            }
            case "key-value metadata":
                return await WriteCaptionsAsync(path, ["a", "b"], new ParquetOptions(), new() { ["tinyclip.k1"] = "v1", ["tinyclip.k2"] = "" });
            default: throw new ArgumentException(writer);
        }
    }

    private static async Task<string> WriteCaptionsAsync(string path, string[] captions, ParquetOptions options, Dictionary<string, string>? metadata = null)
    {
        var caption = new DataField<string>("caption");
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(caption), stream, options);
        if (metadata is not null) writer.CustomMetadata = metadata;
        using var group = writer.CreateRowGroup();
        await group.WriteAsync(caption, captions);
        return path;
    }
}
