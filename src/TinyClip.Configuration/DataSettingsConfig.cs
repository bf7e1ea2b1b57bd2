using Akka.Configuration;
using TinyClip.Data.Settings;

namespace TinyClip.Configuration;

/// <summary>
/// Reads the <c>tinyclip.data</c> HOCON section into <see cref="DataSettings"/>. Every key must be there: the defaults
/// live in reference.conf only, which every configuration falls back to.
/// </summary>
public static class DataSettingsConfig
{
    public const string Section = "tinyclip.data";

    /// <summary>The shipped data settings (hocon/reference.conf): for the commands that take no configuration file.</summary>
    public static DataSettings Reference => FromConfig(TinyClipConfig.Reference);

    public static DataSettings FromConfig(Config root)
    {
        var data = new SettingsReader(root, Section);
        string? Column(string key) => data.String($"columns.{key}") is { Length: > 0 } name ? name : null;
        var stream = data.Child("stream");
        var settings = new DataSettings(
            new ColumnNames(Column("image"), Column("caption"), Column("key"), Column("label")),
            new DecodeSettings(
                data.Int("decode.image-size"),
                data.Int("decode.context-length"),
                data.Long("decode.max-pixels"),
                data.Int("decode.allocation-limit-mb"),
                data.Double("decode.min-scale"),
                data.Double("decode.max-scale")),
            new OrderSettings(
                data.Long("order.seed"),
                data.Int("order.batch-size"),
                data.Int("order.window-row-groups"),
                data.Int("order.lanes")),
            new StreamSettings(
                stream.Int("read-ahead-windows"),
                stream.Int("decode-parallelism"),
                stream.Int("batches-in-flight"),
                stream.String("decode-dispatcher", allowEmpty: false),
                stream.String("quarantine-file") is { Length: > 0 } file ? file : null,
                stream.Int("read-retries"),
                stream.Duration("read-retry-backoff", allowZero: true)),
            new ManifestSettings(data.Int("manifest.parallel-reads")),
            new CacheSettings(
                data.String("cache.dir") is { Length: > 0 } dir ? dir : null,
                data.Bytes("cache.max-bytes"),
                data.Int("cache.concurrent-downloads"),
                data.Int("cache.read-ahead-shards"),
                data.Int("cache.download-retries"),
                data.Duration("cache.download-retry-backoff", allowZero: true),
                data.Duration("cache.stall-timeout")),
            new S3Settings(
                data.String("s3.endpoint") is { Length: > 0 } endpoint ? endpoint : null,
                data.String("s3.region") is { Length: > 0 } region ? region : null,
                data.Bool("s3.force-path-style")));
        settings.Validate();
        return settings;
    }

    /// <summary>The dataset inputs of <c>train-paths</c> or <c>val-paths</c>.</summary>
    public static IReadOnlyList<string> Paths(Config root, string key) =>
        root.GetConfig(Section)?.GetStringList(key, []).ToArray() ?? [];
}
