using TinyClip.Actors.Configuration;
using TinyClip.Data.Ordering;
using TinyClip.Data.Pipeline;

namespace TinyClip.Actors.Training;

/// <summary>A node's rows of a stage's global batches from a cursor on (endless: the consumer stops reading).</summary>
public interface IStageDataSource
{
    /// <summary>Where a stage's data starts when it has no checkpoint.</summary>
    Cursor Start(StageSpec stage);

    /// <summary>Rows <paramref name="rows"/> of every global batch from <paramref name="from"/> on.</summary>
    IAsyncEnumerable<TrainingBatch> Read(StageSpec stage, Cursor from, RowRange rows, CancellationToken cancellationToken);

    /// <summary>What this node's data plane has done so far, over all stages.</summary>
    DataWork Work { get; }
}

/// <summary>Cumulative work of a node's data plane: samples decoded (usable or not) and bytes read from Parquet files.</summary>
public sealed record DataWork(long SamplesDecoded, long BytesRead)
{
    public static DataWork None { get; } = new(0, 0);
}
