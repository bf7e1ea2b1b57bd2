using Akka.Actor;
using TinyClip.Actors.Configuration;
using TinyClip.Actors.Feeding;
using TinyClip.Configuration;
using TinyClip.Data.Manifest;
using TinyClip.Data.Pipeline;
using TinyClip.Data.Quarantine;
using TinyClip.Data.Settings;
using TinyClip.Data.Synthetic;

namespace TinyClip.Benchmarks.Harness;

/// <summary>The demo's synthetic captioned shapes as img2dataset shards, and the pipeline that reads them.</summary>
public static class SyntheticShards
{
    /// <returns>The folder of the training shards.</returns>
    public static async Task<string> WriteAsync(string directory, int rows, int imageSize, int rowGroupSize, CancellationToken cancellationToken)
    {
        await SyntheticDataset.WriteAsync(new SynthOptions(directory, rows, 0, imageSize, Seed: 1, RowsPerFile: 5000, RowGroupSize: rowGroupSize), cancellationToken);
        return Path.Combine(directory, "train");
    }

    /// <summary>The shipped defaults (hocon/reference.conf), adjusted by <paramref name="adjust"/>.</summary>
    public static DataSettings Settings(Func<DataSettings, DataSettings> adjust) =>
        adjust(DataSettingsConfig.FromConfig(TinyClipConfig.Reference));

    public static async Task<BatchPipeline> PipelineAsync(string trainDirectory, DataSettings settings, CancellationToken cancellationToken)
    {
        var quarantine = new QuarantineLog();
        var manifest = await DatasetManifest.BuildAsync([trainDirectory], settings.Columns, quarantine, FooterReads.FromFiles(settings.Manifest), cancellationToken);
        return new BatchPipeline(manifest, settings, new HashTokenizer(1024), quarantine);
    }

    /// <summary>An actor system with the shipped configuration (it defines the decode dispatcher the feed runs on).</summary>
    public static ActorSystem ActorSystem() => Akka.Actor.ActorSystem.Create("bench", TinyClipConfig.Reference);
}
