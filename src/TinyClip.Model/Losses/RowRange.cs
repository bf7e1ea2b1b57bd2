using static TorchSharp.torch;

namespace TinyClip.Model.Losses;

/// <summary>
/// The rows of a global batch that one trainer owns: rows [Offset, Offset + Count). A loss computed for
/// a row range takes those rows of the global features against all global columns (the data-parallel
/// "local rows against gathered columns" form); the pair of row r is column r.
/// </summary>
public readonly record struct RowRange(long Offset, long Count)
{
    /// <summary>All N rows: the single-trainer form.</summary>
    public static RowRange All(long count) => new(0, count);

    internal Tensor Slice(Tensor globalFeatures) => globalFeatures.narrow(0, Offset, Count);

    internal void EnsureWithin(long globalCount)
    {
        if (Offset < 0 || Count <= 0 || Offset + Count > globalCount)
            throw new ArgumentOutOfRangeException(
                nameof(globalCount), $"rows [{Offset}, {Offset + Count}) are not inside a batch of {globalCount}.");
    }
}
