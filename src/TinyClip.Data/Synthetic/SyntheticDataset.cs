using Parquet;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using TinyClip.Data.Writing;

namespace TinyClip.Data.Synthetic;

/// <summary>
/// Generates the demo dataset: coloured shapes on backgrounds, JPEG-encoded, in img2dataset-layout
/// shards under OUT/train and OUT/val, plus OUT/classes.txt and OUT/templates.txt. Every sample is a
/// function of (seed, split, index) alone, so output is identical for a seed whatever the parallelism.
/// </summary>
public static class SyntheticDataset
{
    private static readonly JpegEncoder Encoder = new() { Quality = 92 };

    /// <returns>Paths of the shards written.</returns>
    public static async Task<IReadOnlyList<string>> WriteAsync(SynthOptions options, CancellationToken cancellationToken = default)
    {
        if (options.TrainCount < 0 || options.ValCount < 0 || options.ImageSize < 8 || options.RowsPerFile <= 0)
            throw new DataConfigurationException("synth needs counts >= 0, image size >= 8 and rows per file > 0");
        if (!(options.PositionJitter >= 0))
            throw new DataConfigurationException($"synth needs a position jitter >= 0, got {options.PositionJitter}");
        Directory.CreateDirectory(options.OutputDirectory);
        await File.WriteAllLinesAsync(Path.Combine(options.OutputDirectory, "classes.txt"), SyntheticScene.ClassNames, cancellationToken);
        await File.WriteAllLinesAsync(Path.Combine(options.OutputDirectory, "templates.txt"), SyntheticCaptions.ZeroShotTemplates, cancellationToken);
        var shards = Shards("train", 0, options.TrainCount, options).Concat(Shards("val", 1, options.ValCount, options)).ToArray();
        await Parallel.ForEachAsync(shards, cancellationToken, async (shard, token) =>
        {
            var rows = Enumerable.Range(shard.First, shard.Count).Select(i => Row(shard.Split, shard.SplitId, i, options)).ToArray();
            await Img2DatasetWriter.WriteAsync(shard.Path, rows, options.RowGroupSize, CompressionMethod.Snappy, token);
        });
        return shards.Select(s => s.Path).ToArray();
    }

    /// <summary>One sample, as it appears in the shards.</summary>
    public static Img2DatasetRow Row(string split, int splitId, int index, SynthOptions options)
    {
        var random = new DeterministicRandom(DeterministicRandom.Mix(options.Seed, splitId, index));
        var scene = SyntheticScene.Draw(random, options.PositionJitter);
        using var image = SyntheticPainter.Paint(scene, options.ImageSize);
        using var jpeg = new MemoryStream();
        image.Save(jpeg, Encoder);
        return new Img2DatasetRow($"{split}-{index:D9}", SyntheticCaptions.Caption(scene, random), jpeg.ToArray(), "success",
            options.ImageSize, options.ImageSize, $"synth://{split}/{index}", null, scene.Label);
    }

    private static IEnumerable<Shard> Shards(string split, int splitId, int count, SynthOptions options)
    {
        for (int first = 0, n = 0; first < count; first += options.RowsPerFile, n++)
            yield return new Shard(split, splitId, first, Math.Min(options.RowsPerFile, count - first),
                Path.Combine(options.OutputDirectory, split, $"part-{n:D5}.parquet"));
    }

    private sealed record Shard(string Split, int SplitId, int First, int Count, string Path);
}
