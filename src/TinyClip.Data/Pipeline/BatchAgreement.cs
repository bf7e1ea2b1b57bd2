using TinyClip.Data.Ordering;

namespace TinyClip.Data.Pipeline;

/// <summary>
/// Proves, every step, that the trainers of a group train on the batch the plan says, and assembles where the next
/// batch starts. Each trainer reports its global batch's number and the lanes of its rows; the group agrees when every
/// report is at the expected global batch, every lane starts where the previous batch left it, every lane is reported,
/// and trainers that share a lane (at a node boundary) report the same samples and the same next position. Anything
/// else means the nodes read different data or skipped differently: training on it would silently diverge.
/// </summary>
public sealed class BatchAgreement(Cursor start)
{
    /// <summary>Where the next batch must start: the resume cursor, then the cursor after each agreed batch.</summary>
    public Cursor Expected { get; private set; } = start;

    /// <summary>Checks the members' reports (in rank order) and advances <see cref="Expected"/>; returns it.</summary>
    /// <exception cref="BatchDivergedException">The reports do not describe one batch that continues the last.</exception>
    public Cursor Agree(IReadOnlyList<BatchReport> reports)
    {
        var expected = Expected;
        var byLane = new LaneStep?[expected.Lanes.Count];
        var reporter = new int[expected.Lanes.Count];
        for (var rank = 0; rank < reports.Count; rank++)
        {
            var report = reports[rank];
            if (report.GlobalBatch != expected.GlobalBatch)
                throw new BatchDivergedException($"trainer {rank} got global batch {report.GlobalBatch}, the group is at global batch {expected.GlobalBatch}");
            foreach (var step in report.Lanes)
            {
                if (step.Lane < 0 || step.Lane >= byLane.Length)
                    throw new BatchDivergedException($"trainer {rank} reports lane {step.Lane}; the run has {byLane.Length} lanes");
                if (step.Start != expected.Lanes[step.Lane])
                    throw new BatchDivergedException($"trainer {rank}: lane {step.Lane} starts at {step.Start}, the last batch left it at {expected.Lanes[step.Lane]} " +
                                                     $"(global batch {expected.GlobalBatch})");
                if (byLane[step.Lane] is { } seen && seen != step)
                    throw new BatchDivergedException($"trainers {reporter[step.Lane]} and {rank} decoded different samples for lane {step.Lane} of global batch " +
                                                     $"{expected.GlobalBatch} (next {seen.Next} vs {step.Next}, digests {seen.Digest:x16} vs {step.Digest:x16}): " +
                                                     "their nodes read different data");
                byLane[step.Lane] = step;
                reporter[step.Lane] = rank;
            }
        }
        var missing = Enumerable.Range(0, byLane.Length).Where(lane => byLane[lane] is null).ToList();
        if (missing.Count > 0)
            throw new BatchDivergedException($"no trainer reported lane(s) {string.Join(", ", missing)} of global batch {expected.GlobalBatch}");
        Expected = new Cursor(expected.GlobalBatch + 1, byLane.Select(step => step!.Next).ToArray());
        return Expected;
    }
}

/// <summary>The trainers of a group were about to train on different batches; the step is aborted.</summary>
public sealed class BatchDivergedException(string message) : Exception(message);
