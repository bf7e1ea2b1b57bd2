using TinyClip.Data.Ordering;

namespace TinyClip.Data.Pipeline;

/// <summary>
/// Rows <see cref="Rows"/> of global batch <see cref="GlobalBatch"/> (of <see cref="Layout"/>'s N slots): the rows a node
/// or a trainer holds, never more. Images are CHW bytes, Tokens Count x ContextLength ids (ContextLength 0 and no tokens:
/// an evaluation set of labelled images without captions), Labels one class per sample when every file has a label column
/// (-1 where a row's label is null). <see cref="Lanes"/> reports every lane with a
/// slot among these rows: where it started and continues, and a digest of its samples.
/// </summary>
public sealed record TrainingBatch(
    long GlobalBatch,
    LaneLayout Layout,
    RowRange Rows,
    ImageRows Images,
    int[] Tokens,
    int[]? Labels,
    string[] Keys,
    long[] SampleIds,
    int ContextLength,
    IReadOnlyList<LaneStep> Lanes)
{
    public int Count => Keys.Length;

    public int ImageSize => Images.ImageSize;

    /// <summary>Whether these rows are the whole global batch (one node holding every lane).</summary>
    public bool IsWhole => Rows == RowRange.All(Layout.BatchSize);

    /// <summary>Where this batch started; known only for the whole batch (a node knows only its own lanes).</summary>
    public Cursor Cursor => new(GlobalBatch, WholeLanes().Select(l => l.Start).ToArray());

    /// <summary>Where the following batch starts; known only for the whole batch.</summary>
    public Cursor Next => new(GlobalBatch + 1, WholeLanes().Select(l => l.Next).ToArray());

    /// <summary>Trainer <paramref name="rank"/> of <paramref name="worldSize"/> takes rows [rank*N/W, (rank+1)*N/W).</summary>
    public TrainingBatch SliceFor(int rank, int worldSize) => Slice(RowRange.OfRanks(rank, 1, worldSize, Layout.BatchSize));

    /// <summary>Rows <paramref name="rows"/> (which these rows must contain), with the lanes that have slots among them.</summary>
    public TrainingBatch Slice(RowRange rows)
    {
        if (!Rows.Contains(rows)) throw new ArgumentOutOfRangeException(nameof(rows), $"{rows} are not among this batch's {Rows}");
        if (rows == Rows) return this;
        var from = (int)(rows.Start - Rows.Start);
        var count = rows.Count;
        var lanes = Layout.LanesOverlapping(rows).ToHashSet();
        return this with
        {
            Rows = rows,
            Images = Images.Slice(from, count),
            Tokens = Tokens[(from * ContextLength)..((from + count) * ContextLength)],
            Labels = Labels?[from..(from + count)],
            Keys = Keys[from..(from + count)],
            SampleIds = SampleIds[from..(from + count)],
            Lanes = Lanes.Where(l => lanes.Contains(l.Lane)).ToArray(),
        };
    }

    private IReadOnlyList<LaneStep> WholeLanes() => IsWhole && Lanes.Count == Layout.Lanes
        ? Lanes
        : throw new InvalidOperationException($"{Rows} of global batch {GlobalBatch} hold {Lanes.Count} of its {Layout.Lanes} lanes: the cursor of the whole batch is assembled by the trainers");
}
