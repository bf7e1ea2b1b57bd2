namespace TinyClip.Data.Text.Cleaning;

/// <summary>A set of code points stored as sorted, disjoint inclusive runs; membership by binary search.</summary>
internal sealed class CodePointRanges
{
    private readonly int[] _firsts;
    private readonly int[] _lasts;

    public CodePointRanges(IEnumerable<(int First, int Last)> runs)
    {
        var sorted = runs.OrderBy(run => run.First).ToArray();
        _firsts = sorted.Select(run => run.First).ToArray();
        _lasts = sorted.Select(run => run.Last).ToArray();
    }

    public bool Contains(int codePoint)
    {
        var index = Array.BinarySearch(_firsts, codePoint);
        if (index < 0)
        {
            index = ~index - 1;
        }
        return index >= 0 && codePoint <= _lasts[index];
    }
}
