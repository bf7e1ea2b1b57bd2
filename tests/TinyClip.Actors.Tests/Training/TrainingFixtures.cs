using TinyClip.Actors.Collectives;
using TinyClip.Actors.Configuration;
using TinyClip.Actors.Runtime;
using TinyClip.Actors.Training;
using TinyClip.Data.Ordering;
using TinyClip.Data.Pipeline;
using TinyClip.Model;

namespace TinyClip.Actors.Tests.Training;

/// <summary>Tiny stages and deterministic synthetic batches for trainer tests (no data pipeline involved).</summary>
public static class TrainingFixtures
{
    public const int VocabularySize = 1000;

    public static StageSpec Stage(StageKind kind, long steps, int batchSize, bool learnableScale = false) => new(
        "s", kind, "tiny-test", StageSpec.InitScratch, steps, batchSize,
        new OptimizationSpec(3e-3, 0.9, 0.98, 1e-6, 0.2, WarmupSteps: 3, GradientClip: 5.0),
        new LossSpec(kind == StageKind.Teacher ? 0.0 : 1.0, 1.0, 50.0, learnableScale || kind == StageKind.Teacher, false),
        EvalEverySteps: 0);

    public static StageAssignment Assignment(StageSpec stage, string? teacher, IReadOnlyList<CheckpointRef>? resumeFrom = null) =>
        new(stage, 0, 1, 7, resumeFrom ?? Array.Empty<CheckpointRef>(), StageSpec.InitScratch, teacher, "");

    /// <summary>A saved tiny-test model to serve as a frozen teacher.</summary>
    public static string SaveTeacher(string directory)
    {
        var path = Path.Combine(directory, "teacher.safetensors");
        using var teacher = ClipModel.Create(ClipPresets.Get("tiny-test"), seed: 99);
        ClipCheckpoint.Save(teacher, path);
        return path;
    }

    /// <summary>
    /// The setup of a lone trainer (rank 0 of 1, on the CPU with one libtorch thread, writing checkpoints, keeping 3) of
    /// <paramref name="assignment"/>: it starts where its first resume checkpoint ends, or at <see cref="Start"/>.
    /// </summary>
    public static TrainerSetup LoneSetup(StageAssignment assignment, string directory, int maxNonFiniteStepsInRow = 3) => new(
        assignment, 0, 1, assignment.ResumeFrom.Count > 0 ? assignment.ResumeFrom[0].Cursor : Start, true, "cpu", directory, VocabularySize,
        KeepLastCheckpoints: 3, MaxNonFiniteStepsInRow: maxNonFiniteStepsInRow, AllowPickle: false, IntraOpThreads: 1);

    /// <summary>The trainer of <paramref name="setup"/> in a group of its own, loaded from <paramref name="resume"/> if given.</summary>
    public static TrainerCore LoneTrainer(TrainerSetup setup, ResumeCheckpoint? resume = null) =>
        TrainerCore.Create(setup, new InProcessCollectiveGroup(1, TimeSpan.FromSeconds(30)).Members[0], resume);

    /// <summary>Where the fixture's batches start: one lane (batch g holds positions [g*N, (g+1)*N) of it).</summary>
    public static Cursor Start { get; } = Cursor.Start(1);

    /// <summary>Global batch <paramref name="index"/> of one lane: random pixels and token rows ending in the highest id (end of text).</summary>
    public static TrainingBatch Batch(long index, int batchSize)
    {
        var config = ClipPresets.Get("tiny-test");
        int size = config.Vision.ImageSize, context = config.Text.ContextLength;
        var random = new Random((int)(index * 7919 + 17));
        var images = new byte[batchSize * 3 * size * size];
        random.NextBytes(images);
        var tokens = new int[batchSize * context];
        for (int row = 0; row < batchSize; row++)
        {
            int length = 3 + random.Next(context - 4);
            tokens[row * context] = VocabularySize - 2;
            for (int t = 1; t < length; t++) tokens[row * context + t] = 1 + random.Next(VocabularySize - 3);
            tokens[row * context + length] = VocabularySize - 1;
        }
        var ids = Enumerable.Range(0, batchSize).Select(i => index * batchSize + i).ToArray();
        var lane = new LaneStep(0, new LanePosition(0, index * batchSize), new LanePosition(0, (index + 1) * batchSize), LaneStep.DigestOf(ids));
        return new TrainingBatch(index, new LaneLayout(1, batchSize), RowRange.All(batchSize), new ImageRows(size, [images]), tokens, null,
            Enumerable.Range(0, batchSize).Select(i => $"k{index}-{i}").ToArray(), ids, context, [lane]);
    }
}
