using TinyClip.Data.Ordering;

namespace TinyClip.Data.Pipeline;

/// <summary>
/// One global batch of N samples. <see cref="Cursor"/> is where it starts, <see cref="Next"/> where
/// the following batch starts (persist it with a checkpoint taken after training on this batch).
/// Images are N x 3 x S x S floats (CHW, CLIP-normalised), Tokens N x ContextLength ids,
/// Labels one class per sample when every file has a label column (-1 where a row's label is null).
/// </summary>
public sealed record TrainingBatch(
    Cursor Cursor,
    Cursor Next,
    float[] Images,
    int[] Tokens,
    int[]? Labels,
    string[] Keys,
    long[] SampleIds,
    int ImageSize,
    int ContextLength)
{
    public int Count => Keys.Length;

    /// <summary>Trainer <paramref name="rank"/> of <paramref name="worldSize"/> takes rows [rank*N/W, (rank+1)*N/W).</summary>
    public TrainingBatch SliceFor(int rank, int worldSize)
    {
        if (worldSize <= 0 || rank < 0 || rank >= worldSize) throw new ArgumentOutOfRangeException(nameof(rank), $"rank {rank} of {worldSize}");
        if (worldSize == 1) return this; // the whole batch: no copy of its arrays
        var from = (int)((long)rank * Count / worldSize);
        var to = (int)((long)(rank + 1) * Count / worldSize);
        var imageFloats = 3 * ImageSize * ImageSize;
        return this with
        {
            Images = Images[(from * imageFloats)..(to * imageFloats)],
            Tokens = Tokens[(from * ContextLength)..(to * ContextLength)],
            Labels = Labels?[from..to],
            Keys = Keys[from..to],
            SampleIds = SampleIds[from..to],
        };
    }
}
