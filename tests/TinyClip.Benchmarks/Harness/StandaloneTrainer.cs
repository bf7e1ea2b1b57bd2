using TinyClip.Actors.Collectives;
using TinyClip.Actors.Configuration;
using TinyClip.Actors.Runtime;
using TinyClip.Actors.Training;
using TinyClip.Data.Ordering;
using TinyClip.Data.Pipeline;
using TinyClip.Model;

namespace TinyClip.Benchmarks.Harness;

/// <summary>
/// The runtime's own training step (<see cref="TrainerCore"/>: forward, CLIP loss, backward, clipping, our AdamW) without
/// actors or data feed: one CPU trainer, a teacher-kind stage (alpha = 0, so no teacher model is needed).
/// </summary>
public static class StandaloneTrainer
{
    public const double LearningRate = 1e-3, WeightDecay = 0.1, GradientClip = 5.0;

    public static StageSpec Stage(string model, int batchSize, long steps) => new(
        "bench", StageKind.Teacher, model, StageSpec.InitScratch, steps, batchSize,
        new OptimizationSpec(LearningRate, 0.9, 0.98, 1e-6, WeightDecay, WarmupSteps: 0, GradientClip),
        new LossSpec(Alpha: 0, Weight: 1, FixedLogitScale: 50, LearnableLogitScale: true, TeacherOwnLogitScale: false),
        EvalEverySteps: 0);

    /// <summary>The assignment every standalone trainer gets (its <c>CollectiveSession</c> numbers cross-process collectives).</summary>
    public static StageAssignment Assignment(StageSpec stage) =>
        new(stage, 0, 0, Seed: 1, Array.Empty<CheckpointRef>(), StageSpec.InitScratch, null, "");

    /// <param name="vocabularySize">Token rows of the text tower; null keeps the preset's own.</param>
    /// <param name="collective">This trainer's rank among data-parallel trainers; null = the only trainer.</param>
    /// <param name="overlapGradientExchange">Sum the text tower's gradients while the image tower's backward runs.</param>
    public static TrainerCore Create(StageSpec stage, int? vocabularySize, string runDirectory, ICollective? collective = null, bool overlapGradientExchange = false)
    {
        int vocabulary = vocabularySize ?? ModelCatalog.Resolve(stage.Model, null).Text.VocabSize;
        collective ??= new InProcessCollectiveGroup(1, TimeSpan.FromMinutes(1)).Members[0];
        var setup = new TrainerSetup(Assignment(stage), collective.Rank, collective.WorldSize, Cursor.Start(collective.WorldSize), collective.Rank == 0, "cpu", runDirectory, vocabulary, KeepLastCheckpoints: 1,
            MaxNonFiniteStepsInRow: 100, AllowPickle: false, IntraOpThreads: TorchSharp.torch.get_num_threads(), OverlapGradientExchange: overlapGradientExchange);
        return TrainerCore.Create(setup, collective);
    }

    /// <summary>
    /// Trainer <paramref name="rank"/>'s rows of global batch <paramref name="index"/>: random pixels and token ids shaped for
    /// <paramref name="config"/> (step time does not depend on values), one lane a trainer, as the trainers' start cursor says.
    /// </summary>
    public static TrainingBatch RandomBatch(ClipConfig config, int globalBatch, long index, int rank = 0, int worldSize = 1)
    {
        var rows = RowRange.OfRanks(rank, 1, worldSize, globalBatch);
        int batchSize = rows.Count;
        var random = new Random((int)index * 31 + rank);
        int size = config.Vision.ImageSize, context = config.Text.ContextLength, vocabulary = config.Text.VocabSize;
        var images = new byte[batchSize * 3 * size * size];
        random.NextBytes(images);
        var tokens = new int[batchSize * context];
        for (int i = 0; i < tokens.Length; i++) tokens[i] = random.Next(vocabulary);
        var keys = Enumerable.Range(0, batchSize).Select(i => $"random-{i}").ToArray();
        var ids = Enumerable.Range(0, batchSize).Select(i => (long)i).ToArray();
        var lane = new LaneStep(rank, new LanePosition(0, index * batchSize), new LanePosition(0, (index + 1) * batchSize), LaneStep.DigestOf(ids));
        return new TrainingBatch(index, new LaneLayout(worldSize, globalBatch), rows, new ImageRows(size, [images]), tokens, null, keys, ids, context, [lane]);
    }
}
