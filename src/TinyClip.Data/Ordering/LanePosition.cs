using System.Text.Json.Serialization;

namespace TinyClip.Data.Ordering;

/// <summary>Where a lane's stream continues: the next candidate is at <paramref name="Position"/> of the lane's order of <paramref name="Epoch"/>.</summary>
public sealed record LanePosition(
    [property: JsonPropertyName("epoch")] int Epoch,
    [property: JsonPropertyName("position")] long Position)
{
    public static LanePosition Start { get; } = new(0, 0);

    public override string ToString() => $"epoch {Epoch} position {Position}";
}
