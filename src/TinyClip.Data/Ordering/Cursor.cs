using System.Text.Json;
using System.Text.Json.Serialization;

namespace TinyClip.Data.Ordering;

/// <summary>
/// Where a batch starts: global batch <paramref name="GlobalBatch"/> of <paramref name="Epoch"/>, whose
/// first candidate sample is at <paramref name="Position"/> in the epoch's order. Position equals
/// GlobalBatch*N until a sample fails to decode: failed samples are skipped and the batch is filled with
/// the next samples of the order, so later batches start further on. Storing the position makes resume
/// exact without decoding the skipped prefix again. Persist <see cref="TrainingBatch.Next"/> of the last
/// trained batch and start from it.
/// </summary>
public sealed record Cursor(
    [property: JsonPropertyName("epoch")] int Epoch,
    [property: JsonPropertyName("global_batch")] long GlobalBatch,
    [property: JsonPropertyName("position")] long Position)
{
    /// <summary>The first batch of an epoch.</summary>
    public static Cursor StartOf(int epoch) => new(epoch, 0, 0);

    public string ToJson() => JsonSerializer.Serialize(this);

    public static Cursor FromJson(string json) =>
        JsonSerializer.Deserialize<Cursor>(json) ?? throw new DataConfigurationException("empty cursor JSON");
}
