using TorchSharp;
using static TorchSharp.torch;

namespace TinyClip.Model.Evaluation;

/// <summary>
/// The 0-based rank of the correct candidate in each row of a score matrix, counting ties against it:
/// rank = number of *other* candidates whose score is &gt;= the correct one's. A hit at k means rank &lt; k.
/// Pessimistic ties keep a degenerate model (all scores equal) from scoring perfectly.
/// </summary>
internal static class PessimisticRank
{
    /// <param name="scores">Rows x candidates.</param>
    /// <param name="correct">Index of the correct candidate per row (int64, length rows).</param>
    public static Tensor Of(Tensor scores, Tensor correct)
    {
        using var scope = NewDisposeScope();
        var correctScore = scores.gather(1, correct.unsqueeze(1));
        // The correct candidate itself satisfies >= once; subtract it.
        var rank = scores.ge(correctScore).sum(1).Minus(1L);
        return rank.MoveToOuterDisposeScope();
    }

    /// <summary>Number of rows whose rank is below k.</summary>
    public static long Hits(Tensor rank, long k)
    {
        using var scope = NewDisposeScope();
        return rank.LessThan(k).sum().item<long>();
    }

    /// <summary>Fraction of rows whose rank is below k.</summary>
    public static double HitRate(Tensor rank, long k)
    {
        using var scope = NewDisposeScope();
        return rank.LessThan(k).to(ScalarType.Float64).mean().item<double>();
    }
}
