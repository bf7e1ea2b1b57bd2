using TinyClip.Actors.Configuration;
using TinyClip.Data.Ordering;
using TinyClip.Data.Pipeline;

namespace TinyClip.Actors.Training;

/// <summary>Global batches of a stage's size and geometry from a cursor on (endless: the consumer stops reading).</summary>
public interface IStageDataSource
{
    IAsyncEnumerable<TrainingBatch> Read(StageSpec stage, Cursor from, CancellationToken cancellationToken);
}
