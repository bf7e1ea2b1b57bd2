using TinyClip.Data.Imaging;
using TinyClip.Data.Settings;
using TinyClip.Data.Writing;

namespace TinyClip.Data.Packing;

/// <summary>
/// Packs image files and captions into img2dataset-layout shards. Each image is decoded with the same
/// restricted decoder the pipeline uses; images that fail (or have an empty caption) are reported, not
/// packed, so a packed dataset has no bad rows. The original encoded bytes are stored unchanged.
/// </summary>
public static class DatasetPacker
{
    /// <param name="decode">The decode limits an image must pass to be packed (training's, so that what is packed can be trained on).</param>
    public static async Task<PackReport> PackAsync(PackOptions options, DecodeSettings decode, CancellationToken cancellationToken = default)
    {
        if (options.RowsPerFile <= 0 || options.RowGroupSize <= 0) throw new DataConfigurationException("rows per file and row-group size must be positive");
        if (!Directory.Exists(options.ImagesDirectory)) throw new DataConfigurationException($"images directory '{options.ImagesDirectory}' does not exist");
        var decoder = new ImageDecoder(decode);
        var rows = new List<Img2DatasetRow>();
        var rejected = new List<(string, string)>();
        var shards = new List<string>();
        var packed = 0;
        foreach (var entry in CaptionListReader.Read(options.CaptionsFile))
        {
            var path = Path.Combine(options.ImagesDirectory, entry.ImagePath);
            var reason = string.IsNullOrWhiteSpace(entry.Caption) ? "caption is empty" : null;
            byte[]? bytes = null;
            (int Width, int Height) size = default;
            if (reason is null)
            {
                try
                {
                    bytes = await File.ReadAllBytesAsync(path, cancellationToken);
                    using var image = decoder.Decode(bytes);
                    size = (image.Width, image.Height);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    reason = $"{e.GetType().Name}: {e.Message}";
                }
            }
            if (reason is not null)
            {
                rejected.Add((entry.ImagePath, reason));
                continue;
            }
            rows.Add(new Img2DatasetRow($"{packed++:D9}", entry.Caption, bytes, "success",
                size.Width, size.Height, entry.ImagePath, null, null));
            if (rows.Count == options.RowsPerFile) await FlushAsync();
        }
        if (rows.Count > 0) await FlushAsync();
        return new PackReport(shards, packed, rejected);

        async Task FlushAsync()
        {
            var shard = Path.Combine(options.OutputDirectory, $"part-{shards.Count:D5}.parquet");
            await Img2DatasetWriter.WriteAsync(shard, rows, options.RowGroupSize, Parquet.CompressionMethod.Snappy, cancellationToken);
            shards.Add(shard);
            rows.Clear();
        }
    }
}
