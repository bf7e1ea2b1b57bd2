using Parquet;
using Parquet.Schema;

namespace TinyClip.Data.Writing;

/// <summary>Writes shards in img2dataset's Parquet layout, with an explicit row-group size and compression.</summary>
public static class Img2DatasetWriter
{
    private static readonly DataField<string> KeyField = new("key");
    private static readonly DataField<string> CaptionField = new("caption");
    private static readonly DataField<byte[]> JpgField = new("jpg");
    private static readonly DataField<string> StatusField = new("status");
    private static readonly DataField<int?> WidthField = new("width");
    private static readonly DataField<int?> HeightField = new("height");
    private static readonly DataField<string> UrlField = new("url");
    private static readonly DataField<string> ErrorField = new("error_message");
    private static readonly DataField<int?> LabelField = new("label");

    public static async Task WriteAsync(string path, IReadOnlyList<Img2DatasetRow> rows, int rowGroupSize, CompressionMethod compression = CompressionMethod.Snappy, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rowGroupSize);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        // Written under a temporary name and renamed, so a crash never leaves a footer-less shard behind.
        var temporary = path + ".tmp";
        await using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.ReadWrite))
        {
            var schema = new ParquetSchema(KeyField, CaptionField, JpgField, StatusField, WidthField, HeightField, UrlField, ErrorField, LabelField);
            await using var writer = await ParquetWriter.CreateAsync(schema, stream, new ParquetOptions { CompressionMethod = compression }, cancellationToken: cancellationToken);
            foreach (var group in rows.Chunk(rowGroupSize))
            {
                using var rowGroup = writer.CreateRowGroup();
                await rowGroup.WriteAsync(KeyField, group.Select(r => r.Key).ToArray());
                await rowGroup.WriteAsync(CaptionField, group.Select(r => r.Caption).ToArray());
                await rowGroup.WriteAsync(JpgField, group.Select(r => r.Jpg).ToArray()!);
                await rowGroup.WriteAsync(StatusField, group.Select(r => r.Status).ToArray());
                await rowGroup.WriteAsync<int>(WidthField, group.Select(r => r.Width).ToArray(), cancellationToken: cancellationToken);
                await rowGroup.WriteAsync<int>(HeightField, group.Select(r => r.Height).ToArray(), cancellationToken: cancellationToken);
                await rowGroup.WriteAsync(UrlField, group.Select(r => r.Url).ToArray());
                await rowGroup.WriteAsync(ErrorField, group.Select(r => r.ErrorMessage).ToArray()!);
                await rowGroup.WriteAsync<int>(LabelField, group.Select(r => r.Label).ToArray(), cancellationToken: cancellationToken);
            }
        }
        File.Move(temporary, path, overwrite: true);
    }
}
