using Parquet;
using Parquet.Schema;
using TinyClip.Data.Writing;

namespace TinyClip.Data.Tests.Support;

/// <summary>Writes the Parquet files the tests read, in each layout users have.</summary>
public static class ParquetFiles
{
    public static Img2DatasetRow GoodRow(int index, int? label = null, string prefix = "k") =>
        new($"{prefix}{index:D5}", $"caption number {index}", TestImages.Jpeg(12, 10, index), "success", 12, 10, $"http://x/{index}", null, label);

    public static Img2DatasetRow[] GoodRows(int count, string prefix = "k", int firstIndex = 0) =>
        Enumerable.Range(firstIndex, count).Select(i => GoodRow(i, i % 5, prefix)).ToArray();

    public static string Img2Dataset(string path, IReadOnlyList<Img2DatasetRow> rows, int rowGroupSize = 4, CompressionMethod compression = CompressionMethod.Snappy)
    {
        Img2DatasetWriter.WriteAsync(path, rows, rowGroupSize, compression).GetAwaiter().GetResult();
        return path;
    }

    /// <summary>One Hugging Face row: <paramref name="ImageIsNull"/> nulls the whole struct; otherwise bytes and path may each be null.</summary>
    public sealed record HfRow(bool ImageIsNull, byte[]? Bytes, string? ImagePath, string? Text);

    /// <summary>HF layout, written with explicit definition levels (0: struct null, 1: leaf null, 2: value) so nested nulls are real.</summary>
    public static async Task<string> HuggingFaceAsync(string path, IReadOnlyList<HfRow> rows, string captionColumn = "text")
    {
        var bytes = new DataField<byte[]>("bytes");
        var imagePath = new DataField<string>("path");
        var text = new DataField<string>(captionColumn);
        var schema = new ParquetSchema(new StructField("image", bytes, imagePath), text);
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(schema, stream, new ParquetOptions { CompressionMethod = CompressionMethod.Zstd });
        using var group = writer.CreateRowGroup();
        int Level(bool isNull, object? value) => isNull ? 0 : value is null ? 1 : 2;
        await group.WriteAllPartsAsync<ReadOnlyMemory<byte>>(bytes,
            rows.Where(r => !r.ImageIsNull && r.Bytes is not null).Select(r => (ReadOnlyMemory<byte>)r.Bytes!).ToArray(),
            rows.Select(r => Level(r.ImageIsNull, r.Bytes)).ToArray(), null, default);
        await group.WriteAllPartsAsync<ReadOnlyMemory<char>>(imagePath,
            rows.Where(r => !r.ImageIsNull && r.ImagePath is not null).Select(r => r.ImagePath!.AsMemory()).ToArray(),
            rows.Select(r => Level(r.ImageIsNull, r.ImagePath)).ToArray(), null, default);
        await group.WriteAsync(text, rows.Select(r => r.Text).ToArray()!);
        return path;
    }

    /// <summary>One labelled image of Hugging Face's imagenet-1k layout; null bytes or label are written as nulls.</summary>
    public sealed record LabelledImage(byte[]? Bytes, long? Label);

    /// <summary>
    /// Hugging Face's imagenet-1k parquet schema: <c>image</c> struct {bytes: binary, path: string} and <c>label</c> int64,
    /// no caption column; row groups of <paramref name="rowGroupSize"/>.
    /// </summary>
    public static async Task<string> LabelledImagesAsync(string path, IReadOnlyList<LabelledImage> rows, int rowGroupSize)
    {
        var bytes = new DataField<byte[]>("bytes");
        var imagePath = new DataField<string>("path");
        var label = new DataField<long?>("label");
        var schema = new ParquetSchema(new StructField("image", bytes, imagePath), label);
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(schema, stream);
        foreach (var (group, first) in rows.Chunk(rowGroupSize).Select((g, i) => (g, i * rowGroupSize)))
        {
            using var rowGroup = writer.CreateRowGroup();
            // Definition levels: 1 = the struct is there with a null leaf, 2 = a value.
            await rowGroup.WriteAllPartsAsync<ReadOnlyMemory<byte>>(bytes, group.Where(r => r.Bytes is not null).Select(r => (ReadOnlyMemory<byte>)r.Bytes!).ToArray(),
                group.Select(r => r.Bytes is null ? 1 : 2).ToArray(), null, default);
            await rowGroup.WriteAllPartsAsync<ReadOnlyMemory<char>>(imagePath, group.Select((_, i) => $"ILSVRC2012_val_{first + i + 1:D8}.JPEG".AsMemory()).ToArray(),
                group.Select(_ => 2).ToArray(), null, default);
            await rowGroup.WriteAsync<long>(label, group.Select(r => r.Label).ToArray());
        }
        return path;
    }

    /// <summary>Any flat file: string[], byte[][], int?[] or long[] columns, one row group.</summary>
    public static async Task<string> ColumnsAsync(string path, params (string Name, Array Values)[] columns)
    {
        var fields = columns.Select(c => c.Values switch
        {
            string[] => (DataField)new DataField<string>(c.Name),
            byte[][] => new DataField<byte[]>(c.Name),
            int?[] => new DataField<int?>(c.Name),
            long[] => new DataField<long>(c.Name),
            _ => throw new ArgumentException($"unsupported column type {c.Values.GetType()}"),
        }).ToArray();
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), stream);
        using var group = writer.CreateRowGroup();
        for (var i = 0; i < columns.Length; i++)
        {
            var task = columns[i].Values switch
            {
                string[] strings => group.WriteAsync(fields[i], strings),
                byte[][] blobs => group.WriteAsync(fields[i], blobs),
                int?[] ints => group.WriteAsync<int>(fields[i], ints),
                long[] longs => group.WriteAsync<long>(fields[i], longs),
                _ => throw new ArgumentException("unsupported column type"),
            };
            await task;
        }
        return path;
    }
}
