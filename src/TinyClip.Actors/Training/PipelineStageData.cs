using System.Runtime.CompilerServices;
using Akka.Actor;
using TinyClip.Actors.Configuration;
using TinyClip.Actors.Feeding;
using TinyClip.Data.Manifest;
using TinyClip.Data.Ordering;
using TinyClip.Data.Pipeline;
using TinyClip.Data.Quarantine;
using TinyClip.Data.Reading;
using TinyClip.Data.Settings;
using TinyClip.Data.Text;

namespace TinyClip.Actors.Training;

/// <summary>
/// A stage's global batches from the training manifest through the Akka.Streams feed: the stage's batch size, the
/// run's seed, and the student's image size and context length (teacher and student see the same inputs). Only the
/// lanes of the node's rows are read and decoded; the counters add up this node's work over all stages.
/// </summary>
public sealed class PipelineStageData(
    DatasetManifest manifest, DataSettings settings, long seed, ICaptionTokenizer tokenizer, QuarantineLog quarantine,
    ActorSystem system, Func<StageSpec, (int ImageSize, int ContextLength)> geometry, IShardFiles? shards = null) : IStageDataSource
{
    private readonly PipelineCounters _counters = new();

    public DataWork Work => new(_counters.SamplesDecoded + _counters.SamplesFailed, _counters.BytesRead);

    public Cursor Start(StageSpec stage) => Pipeline(stage).Start;

    public async IAsyncEnumerable<TrainingBatch> Read(StageSpec stage, Cursor from, RowRange rows, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var feed = BatchFeed.RunToChannel(Pipeline(stage), from, rows, system);
        try
        {
            await foreach (var batch in feed.Batches.ReadAllAsync(cancellationToken))
                yield return batch;
        }
        finally
        {
            feed.Stop();
        }
    }

    private BatchPipeline Pipeline(StageSpec stage)
    {
        var (imageSize, contextLength) = geometry(stage);
        var stageSettings = settings with
        {
            Decode = settings.Decode with { ImageSize = imageSize, ContextLength = contextLength },
            Order = settings.Order with { BatchSize = stage.BatchSize, Seed = seed },
        };
        return new BatchPipeline(manifest, stageSettings, tokenizer, quarantine, counters: _counters, shards: shards);
    }
}
