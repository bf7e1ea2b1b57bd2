using System.Text.Json;
using System.Text.Json.Serialization;

namespace TinyClip.Actors.Persistence;

/// <summary>run.json in the run directory: which journal and persistence id hold the run's events (read by `status`).</summary>
public sealed record RunIdentity(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("persistence_id")] string PersistenceId,
    [property: JsonPropertyName("journal")] string Journal)
{
    public const string FileName = "run.json";

    public void Write(string runDirectory) =>
        File.WriteAllText(Path.Combine(runDirectory, FileName), JsonSerializer.Serialize(this));

    public static RunIdentity Read(string runDirectory)
    {
        var path = Path.Combine(runDirectory, FileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"'{runDirectory}' is not a run directory (no {FileName})", path);
        return JsonSerializer.Deserialize<RunIdentity>(File.ReadAllText(path)) ?? throw new InvalidDataException($"{path} is empty");
    }
}
