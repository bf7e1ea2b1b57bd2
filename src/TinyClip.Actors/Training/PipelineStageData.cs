using System.Runtime.CompilerServices;
using Akka.Actor;
using TinyClip.Actors.Configuration;
using TinyClip.Actors.Feeding;
using TinyClip.Data.Manifest;
using TinyClip.Data.Ordering;
using TinyClip.Data.Pipeline;
using TinyClip.Data.Quarantine;
using TinyClip.Data.Settings;
using TinyClip.Data.Text;

namespace TinyClip.Actors.Training;

/// <summary>
/// A stage's global batches from the training manifest through the Akka.Streams feed: the stage's batch size, the
/// run's seed, and the student's image size and context length (teacher and student see the same inputs).
/// </summary>
public sealed class PipelineStageData(
    DatasetManifest manifest, DataSettings settings, long seed, ICaptionTokenizer tokenizer, QuarantineLog quarantine,
    ActorSystem system, Func<StageSpec, (int ImageSize, int ContextLength)> geometry) : IStageDataSource
{
    public async IAsyncEnumerable<TrainingBatch> Read(StageSpec stage, Cursor from, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var (imageSize, contextLength) = geometry(stage);
        var stageSettings = settings with
        {
            Decode = settings.Decode with { ImageSize = imageSize, ContextLength = contextLength },
            Order = settings.Order with { BatchSize = stage.BatchSize, Seed = seed },
        };
        var pipeline = new BatchPipeline(manifest, stageSettings, tokenizer, quarantine);
        var feed = BatchFeed.RunToChannel(pipeline, from, system);
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
}
