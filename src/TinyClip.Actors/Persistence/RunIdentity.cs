using System.Text.Json;
using System.Text.Json.Serialization;
using TinyClip.Actors.Configuration;

namespace TinyClip.Actors.Persistence;

/// <summary>
/// run.json in the run directory: which journal and persistence id hold the run's events (read by `status`).
/// For a PostgreSQL journal, <see cref="ConnectionString"/> is the server's connection string without its password.
/// </summary>
public sealed record RunIdentity(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("persistence_id")] string PersistenceId,
    [property: JsonPropertyName("journal")] string Journal,
    [property: JsonPropertyName("connection_string")]
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ConnectionString = null)
{
    public const string FileName = "run.json";
    public const string Sqlite = "sqlite", PostgreSql = "postgresql";

    public static RunIdentity For(string name, string persistenceId, PersistenceSettings persistence) => persistence.Journal switch
    {
        JournalKind.PostgreSql => new(name, persistenceId, PostgreSql, JournalDatabase.WithoutPassword(persistence.PostgreSql.ConnectionString)),
        _ => new(name, persistenceId, Sqlite),
    };

    public void Write(string runDirectory) =>
        File.WriteAllText(Path.Combine(runDirectory, FileName), JsonSerializer.Serialize(this));

    public static RunIdentity Read(string runDirectory)
    {
        var path = Path.Combine(runDirectory, FileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"'{runDirectory}' is not a run directory (no {FileName})", path);
        return JsonSerializer.Deserialize<RunIdentity>(File.ReadAllText(path)) ?? throw new InvalidDataException($"{path} is empty");
    }
}
