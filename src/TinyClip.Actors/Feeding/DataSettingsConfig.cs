using Akka.Configuration;
using TinyClip.Data.Settings;

namespace TinyClip.Actors.Feeding;

/// <summary>Reads the <c>tinyclip.data</c> HOCON section into <see cref="DataSettings"/>; missing keys take the record defaults.</summary>
public static class DataSettingsConfig
{
    public const string Section = "tinyclip.data";

    public static DataSettings FromConfig(Config root)
    {
        var d = DataSettings.Default;
        var c = root.GetConfig(Section) ?? Config.Empty;
        string? Name(string key) => c.GetString(key, "") is { Length: > 0 } value ? value : null;
        var settings = new DataSettings(
            new ColumnNames(Name("columns.image"), Name("columns.caption"), Name("columns.key"), Name("columns.label")),
            new DecodeSettings(
                c.GetInt("decode.image-size", d.Decode.ImageSize),
                c.GetInt("decode.context-length", d.Decode.ContextLength),
                c.GetLong("decode.max-pixels", d.Decode.MaxPixels),
                c.GetInt("decode.allocation-limit-mb", d.Decode.AllocationLimitMegabytes),
                c.GetDouble("decode.min-scale", d.Decode.MinScale),
                c.GetDouble("decode.max-scale", d.Decode.MaxScale)),
            new OrderSettings(
                c.GetLong("order.seed", d.Order.Seed),
                c.GetInt("order.batch-size", d.Order.BatchSize),
                c.GetInt("order.window-row-groups", d.Order.WindowRowGroups),
                c.GetInt("order.lanes", d.Order.Lanes)),
            new StreamSettings(
                c.GetInt("stream.read-ahead-windows", d.Stream.ReadAheadWindows),
                c.GetInt("stream.decode-parallelism", d.Stream.DecodeParallelism),
                c.GetInt("stream.batches-in-flight", d.Stream.BatchesInFlight),
                c.GetString("stream.decode-dispatcher", d.Stream.DecodeDispatcher),
                Name("stream.quarantine-file"))
            {
                ReadRetries = c.GetInt("stream.read-retries", d.Stream.ReadRetries),
                ReadRetryBackoff = c.GetTimeSpan("stream.read-retry-backoff", d.Stream.ReadRetryBackoff, allowInfinite: false),
            },
            new ManifestSettings(c.GetInt("manifest.parallel-reads", d.Manifest.ParallelReads)));
        settings.Validate();
        return settings;
    }

    /// <summary>The dataset inputs of <c>train-paths</c> or <c>val-paths</c>.</summary>
    public static IReadOnlyList<string> Paths(Config root, string key) =>
        root.GetConfig(Section)?.GetStringList(key, []).ToArray() ?? [];
}
