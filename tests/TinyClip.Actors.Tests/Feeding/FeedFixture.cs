using Akka.Configuration;
using TinyClip.Actors.Configuration;
using TinyClip.Actors.Feeding;
using TinyClip.Configuration;
using TinyClip.Data.Manifest;
using TinyClip.Data.Pipeline;
using TinyClip.Data.Quarantine;
using TinyClip.Data.Settings;
using TinyClip.Data.Synthetic;
using TinyClip.Data.Writing;

namespace TinyClip.Actors.Tests.Feeding;

/// <summary>Small synthetic shards (with a few broken rows) and the HOCON the feed runs with.</summary>
public static class FeedFixture
{
    /// <summary>The shipped hocon/reference.conf, so the tests check the documented defaults too.</summary>
    public static Config DataConfig() => TinyClipConfig.Reference;

    /// <summary>Writes <paramref name="files"/> shards of <paramref name="rowsPerFile"/> rows in row groups of 5; every 11th image is corrupt.</summary>
    public static async Task<string> WriteShardsAsync(string directory, int files, int rowsPerFile)
    {
        var options = new SynthOptions(directory, rowsPerFile * files, 0, ImageSize: 16);
        for (var f = 0; f < files; f++)
        {
            var rows = Enumerable.Range(f * rowsPerFile, rowsPerFile)
                .Select(i => SyntheticDataset.Row("train", 0, i, options))
                .Select(r => int.Parse(r.Key[6..]) % 11 == 3 ? r with { Jpg = [0xFF, 0xD8, 1, 2, 3] } : r)
                .ToArray();
            await Img2DatasetWriter.WriteAsync(Path.Combine(directory, $"part-{f}.parquet"), rows, rowGroupSize: 5);
        }
        return directory;
    }

    public static async Task<BatchPipeline> PipelineAsync(string directory, Config config, Func<DataSettings, DataSettings>? adjust = null)
    {
        var settings = DataSettingsConfig.FromConfig(config);
        settings = settings with
        {
            Decode = settings.Decode with { ImageSize = 8, ContextLength = 12 },
            Order = settings.Order with { BatchSize = 6, WindowRowGroups = 2, Seed = 5 },
            Stream = settings.Stream with { DecodeParallelism = 3 },
        };
        settings = adjust?.Invoke(settings) ?? settings;
        var quarantine = new QuarantineLog();
        var manifest = await DatasetManifest.BuildAsync([directory], settings.Columns, quarantine, FooterReads.FromFiles(settings.Manifest));
        return new BatchPipeline(manifest, settings, new LetterTokenizer(), quarantine);
    }
}
