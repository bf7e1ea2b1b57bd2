using Parquet;
using Parquet.Schema;

namespace TinyClip.Data.Writing;

/// <summary>Writes shards in img2dataset's Parquet layout, with an explicit row-group size and compression.</summary>
public static class Img2DatasetWriter
{
    /// <summary>
    /// The columns of one file. Parquet.Net stores the levels of a field in the field object when a schema is built
    /// from it, so fields shared by files written at the same time (SyntheticDataset writes its shards in parallel) had
    /// their levels reset under another writer, which then failed with "This column doesn't have definition levels".
    /// Every file gets fields of its own.
    /// </summary>
    private sealed class Columns
    {
        public readonly DataField<string> Key = new("key");
        public readonly DataField<string> Caption = new("caption");
        public readonly DataField<byte[]> Jpg = new("jpg");
        public readonly DataField<string> Status = new("status");
        public readonly DataField<int?> Width = new("width");
        public readonly DataField<int?> Height = new("height");
        public readonly DataField<string> Url = new("url");
        public readonly DataField<string> Error = new("error_message");
        public readonly DataField<int?> Label = new("label");

        public ParquetSchema Schema() => new(Key, Caption, Jpg, Status, Width, Height, Url, Error, Label);
    }

    public static async Task WriteAsync(string path, IReadOnlyList<Img2DatasetRow> rows, int rowGroupSize, CompressionMethod compression = CompressionMethod.Snappy, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rowGroupSize);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        // Written under a temporary name and renamed, so a crash never leaves a footer-less shard behind.
        var temporary = path + ".tmp";
        await using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.ReadWrite))
        {
            var columns = new Columns();
            await using var writer = await ParquetWriter.CreateAsync(columns.Schema(), stream, new ParquetOptions { CompressionMethod = compression }, cancellationToken: cancellationToken);
            foreach (var group in rows.Chunk(rowGroupSize))
            {
                using var rowGroup = writer.CreateRowGroup();
                await rowGroup.WriteAsync(columns.Key, group.Select(r => r.Key).ToArray());
                await rowGroup.WriteAsync(columns.Caption, group.Select(r => r.Caption).ToArray());
                await rowGroup.WriteAsync(columns.Jpg, group.Select(r => r.Jpg).ToArray()!);
                await rowGroup.WriteAsync(columns.Status, group.Select(r => r.Status).ToArray());
                await rowGroup.WriteAsync<int>(columns.Width, group.Select(r => r.Width).ToArray(), cancellationToken: cancellationToken);
                await rowGroup.WriteAsync<int>(columns.Height, group.Select(r => r.Height).ToArray(), cancellationToken: cancellationToken);
                await rowGroup.WriteAsync(columns.Url, group.Select(r => r.Url).ToArray());
                await rowGroup.WriteAsync(columns.Error, group.Select(r => r.ErrorMessage).ToArray()!);
                await rowGroup.WriteAsync<int>(columns.Label, group.Select(r => r.Label).ToArray(), cancellationToken: cancellationToken);
            }
        }
        File.Move(temporary, path, overwrite: true);
    }
}
