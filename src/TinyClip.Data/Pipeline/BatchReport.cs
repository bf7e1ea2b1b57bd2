namespace TinyClip.Data.Pipeline;

/// <summary>What one trainer says about the batch it is about to train on: the global batch's number and the steps of
/// the lanes with slots among its rows (see <see cref="BatchAgreement"/>).</summary>
public sealed record BatchReport(long GlobalBatch, IReadOnlyList<LaneStep> Lanes)
{
    public static BatchReport Of(TrainingBatch batch) => new(batch.GlobalBatch, batch.Lanes);
}
