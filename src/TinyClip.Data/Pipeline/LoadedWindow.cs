using TinyClip.Data.Ordering;
using TinyClip.Data.Reading;

namespace TinyClip.Data.Pipeline;

/// <summary>The rows of one order window, held in memory while its candidates are handed out.</summary>
public sealed class LoadedWindow(OrderWindow window, RawSample[] rows, long fromPosition, PipelineCounters counters)
{
    public OrderWindow Window => window;

    /// <summary>
    /// Candidates from <c>fromPosition</c> to the window's end, in order. The window's row groups count as
    /// resident until this enumeration ends (or is abandoned).
    /// </summary>
    public IEnumerable<SampleCandidate> Candidates()
    {
        try
        {
            var permutation = window.Permutation();
            for (var local = (int)(fromPosition - window.StartPosition); local < permutation.Length; local++)
                yield return new SampleCandidate(window.Epoch, window.StartPosition + local, rows[permutation[local]]);
        }
        finally
        {
            counters.RowGroupsReleased(window.RowGroups.Count);
        }
    }
}
