using TinyClip.Configuration;
using TinyClip.Data.Synthetic;
using Akka.Configuration;

namespace TinyClip.Actors.Configuration;

/// <summary>Run-level settings (everything but the plan and the data pipeline), validated at start-up.</summary>
public sealed record RunSettings(
    string Name,
    string Directory,
    long Seed,
    IReadOnlyList<string>? Devices,
    int ThreadsPerTrainer,
    string TokenizerPath,
    int VocabularySize,
    SyntheticDataSettings Synthetic,
    int MaxNonFiniteStepsInRow,
    int LogEverySteps,
    bool SampleLog,
    bool OverlapGradientExchange,
    int CheckpointEverySteps,
    int KeepLastCheckpoints,
    EvalSettings Eval,
    PersistenceSettings Persistence)
{
    /// <summary>Null <see cref="Devices"/> means "auto".</summary>
    public static RunSettings Read(Config config)
    {
        var root = new SettingsReader(config, "tinyclip");
        var name = root.String("run.name", allowEmpty: false);
        if (name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || name.Contains('/'))
            throw new InvalidSettingException("tinyclip.run.name", $"'{name}' cannot be used as a directory name");
        var directory = root.String("run.dir");
        IReadOnlyList<string>? devices = null;
        if (root.IsList("devices"))
        {
            devices = root.StringList("devices");
            if (devices.Count == 0) throw new InvalidSettingException("tinyclip.devices", "the list of devices is empty");
            foreach (var device in devices)
                if (!DeviceName.IsValid(device))
                    throw new InvalidSettingException("tinyclip.devices", $"'{device}' is not a device (cpu, cuda:N)");
        }
        else if (root.String("devices") != "auto")
        {
            throw new InvalidSettingException("tinyclip.devices", "expected auto or a list such as [\"cpu\", \"cpu\"]");
        }
        var synthetic = root.Child("synthetic-data");
        var eval = root.Child("eval");
        var persistence = root.Child("persistence");
        return new RunSettings(
            name,
            directory.Length > 0 ? directory : Path.Combine("runs", name),
            root.Long("run.seed"),
            devices,
            root.Int("threads-per-trainer", 0, 1024),
            root.String("tokenizer.path"),
            root.Int("tokenizer.vocabulary-size", 514, 49408),
            new SyntheticDataSettings(synthetic.Bool("generate"), synthetic.String("directory"), synthetic.Int("train", 1), synthetic.Int("val", 1),
                synthetic.Int("image-size", 8, 1024), synthetic.Long("seed"), synthetic.Double("position-jitter", 0, SyntheticScene.MaxPositionJitter),
                synthetic.Int("row-group-size", 1, 1_000_000)),
            root.Int("training.max-nonfinite-steps-in-row", 1),
            root.Int("training.log-every-steps", 1),
            root.Bool("training.sample-log"),
            root.Bool("training.overlap-gradient-exchange"),
            root.Int("checkpoint.every-steps", 1),
            root.Int("checkpoint.keep-last", 1),
            EvalSettings.Read(eval),
            new PersistenceSettings(persistence.String("journal", allowEmpty: false) switch
                {
                    "sqlite" => JournalKind.Sqlite,
                    "postgresql" => JournalKind.PostgreSql,
                    var other => throw new InvalidSettingException("tinyclip.persistence.journal", $"expected sqlite or postgresql, got '{other}'"),
                },
                persistence.Int("snapshot-every-events", 1), persistence.Int("sqlite-busy-timeout-ms", 0),
                persistence.Int("max-stage-restarts", 0), persistence.Duration("min-backoff"), persistence.Duration("max-backoff"),
                PostgreSqlSettings.Read(persistence.Child("postgresql"), required: persistence.String("journal") == "postgresql")));
    }
}

public sealed record SyntheticDataSettings(bool Generate, string Directory, int Train, int Val, int ImageSize, long Seed, double PositionJitter, int RowGroupSize);

public enum JournalKind { Sqlite, PostgreSql }

public sealed record PersistenceSettings(JournalKind Journal, int SnapshotEveryEvents, int SqliteBusyTimeoutMs, int MaxStageRestarts,
    TimeSpan MinBackoff, TimeSpan MaxBackoff, PostgreSqlSettings PostgreSql);

/// <summary>tinyclip.persistence.postgresql: where the PostgreSQL journal lives and how the start-up check waits for it.</summary>
public sealed record PostgreSqlSettings(string ConnectionString, int Parallelism, TimeSpan ConnectTimeout, int StartUpRetries, TimeSpan StartUpRetryDelay)
{
    /// <param name="required">The connection string is only checked when the PostgreSQL journal is selected.</param>
    public static PostgreSqlSettings Read(SettingsReader postgresql, bool required)
    {
        var connectionString = postgresql.String("connection-string");
        if (required)
        {
            if (string.IsNullOrWhiteSpace(connectionString))
                throw new InvalidSettingException(postgresql.Key("connection-string"), "must not be empty when tinyclip.persistence.journal = postgresql");
            try { _ = new Npgsql.NpgsqlConnectionStringBuilder(connectionString); }
            catch (ArgumentException e) { throw new InvalidSettingException(postgresql.Key("connection-string"), $"not an Npgsql connection string: {e.Message}"); }
        }
        return new PostgreSqlSettings(connectionString, postgresql.Int("parallelism", 1, 64), postgresql.Duration("connect-timeout"),
            postgresql.Int("start-up-retries", 0, 1000), postgresql.Duration("start-up-retry-delay"));
    }
}
