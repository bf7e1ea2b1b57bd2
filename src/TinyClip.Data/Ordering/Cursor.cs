using System.Text.Json;
using System.Text.Json.Serialization;

namespace TinyClip.Data.Ordering;

/// <summary>
/// Where a global batch starts: its index <paramref name="GlobalBatch"/> in the stage, and for every lane where that
/// lane's stream continues. A lane skips samples that fail to decode and fills its slots with the next ones of its own
/// order, so lanes drift apart; storing each lane's position makes resume exact without decoding skipped samples again.
/// A cursor holds no trainer or node count: it resumes with any. Persist the cursor after the last trained batch.
/// </summary>
public sealed record Cursor(
    [property: JsonPropertyName("global_batch")] long GlobalBatch,
    [property: JsonPropertyName("lanes")] IReadOnlyList<LanePosition> Lanes)
{
    /// <summary>The first batch of a stage: every lane at the start of epoch 0.</summary>
    public static Cursor Start(int lanes) => new(0, Enumerable.Repeat(LanePosition.Start, lanes).ToArray());

    /// <summary>The earliest epoch any lane is in (lanes change epochs independently, each when its share runs out).</summary>
    [JsonIgnore]
    public int Epoch => Lanes.Count == 0 ? 0 : Lanes.Min(l => l.Epoch);

    public string ToJson() => JsonSerializer.Serialize(this);

    public static Cursor FromJson(string json) =>
        JsonSerializer.Deserialize<Cursor>(json) ?? throw new DataConfigurationException("empty cursor JSON");

    public bool Equals(Cursor? other) => other is not null && GlobalBatch == other.GlobalBatch && Lanes.SequenceEqual(other.Lanes);

    public override int GetHashCode() => Lanes.Aggregate(GlobalBatch.GetHashCode(), HashCode.Combine);

    public override string ToString() => $"global batch {GlobalBatch}, lanes [{string.Join("; ", Lanes)}]";
}
