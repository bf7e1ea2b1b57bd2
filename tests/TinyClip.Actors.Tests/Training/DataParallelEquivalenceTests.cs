using TinyClip.Model;
using TinyClip.Actors.Runtime;
using TinyClip.Actors.Collectives;
using TinyClip.Actors.Configuration;
using TinyClip.Actors.Training;
using static TorchSharp.torch;

namespace TinyClip.Actors.Tests.Training;

/// <summary>W trainers holding slices of a global batch end with the weights of one trainer holding all of it.</summary>
public sealed class DataParallelEquivalenceTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tinyclip-dp-").FullName;

    private Dictionary<string, float[]> Train(int worldSize, StageKind kind, bool learnableScale, int steps, int batchSize)
    {
        var stage = TrainingFixtures.Stage(kind, steps, batchSize, learnableScale);
        var teacher = kind == StageKind.Teacher ? null : TrainingFixtures.SaveTeacher(_directory);
        return Train(worldSize, stage, TrainingFixtures.Assignment(stage, teacher)).Weights;
    }

    /// <summary>Trains <paramref name="assignment"/>'s stage on W trainers; the final weights and rank 0's gradients of the first step
    /// (summed over the group and clipped, as the optimiser saw them).</summary>
    private (Dictionary<string, float[]> Weights, Dictionary<string, float[]> FirstGradients) Train(int worldSize, StageSpec stage, StageAssignment assignment,
        bool overlapGradientExchange = false)
    {
        int steps = (int)stage.Steps, batchSize = stage.BatchSize;
        var group = new InProcessCollectiveGroup(worldSize, TimeSpan.FromSeconds(60));
        var firstGradients = new Dictionary<string, float[]>();
        var results = new Dictionary<string, float[]>[worldSize];
        var errors = new Exception?[worldSize];
        var threads = Enumerable.Range(0, worldSize).Select(rank => new Thread(() =>
        {
            try
            {
                var setup = new TrainerSetup(assignment, rank, worldSize, TrainingFixtures.Start, rank == 0, "cpu", _directory,
                    TrainingFixtures.VocabularySize, 3, 100, false, IntraOpThreads: 1, OverlapGradientExchange: overlapGradientExchange);
                using var core = TrainerCore.Create(setup, group.Members[rank]);
                for (long g = 0; g < steps; g++)
                {
                    StepReport? report = null;
                    var outside = TrainerDisposeScopeTests.CreatedOutsideScopes(() =>
                        report = core.Train(TrainingFixtures.Batch(g, batchSize).SliceFor(rank, worldSize), stopRequested: false));
                    Assert.False(report!.Skipped);
                    // Every temporary of a step lives in a dispose scope (see TrainerDisposeScopeTests); only the prune
                    // step creates tensors outside one: the pruned student's parameters, which outlive the step.
                    long expected = report.Pruned is null ? 0 : core.Student.parameters().Count();
                    Assert.True(outside == expected, $"step {g + 1} of rank {rank} created {outside} tensors outside any dispose scope, not {expected}");
                    if (g == 0 && rank == 0)
                        foreach (var (name, parameter) in core.Student.named_parameters().Concat(core.MaskParameters()))
                            if (parameter.grad is { } grad) firstGradients[name] = grad.data<float>().ToArray();
                }
                results[rank] = core.Student.StateDictForSave().ToDictionary(kv => kv.Key, kv => kv.Value.data<float>().ToArray());
            }
            catch (Exception e)
            {
                errors[rank] = e;
                group.Abort(e.Message);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.All(errors, e => Assert.Null(e));
        // Every member of the group holds bitwise the same weights.
        for (int rank = 1; rank < worldSize; rank++)
            foreach (var (name, values) in results[0]) Assert.Equal(values, results[rank][name]);
        return (results[0], firstGradients);
    }

    public static TheoryData<int, StageKind, int> CachedGradientCases => new()
    {
        // Local batches of 12, 6 and 4 rows; micro-batches of 5 (5+5+2), 4 (4+2), 3 (3+1) and 1: uneven last ones.
        { 1, StageKind.Distill, 5 }, { 2, StageKind.Distill, 4 }, { 3, StageKind.Distill, 3 }, { 1, StageKind.Distill, 1 },
        { 2, StageKind.Teacher, 4 }, { 2, StageKind.Manual, 4 }, { 1, StageKind.Auto, 5 }, { 3, StageKind.Auto, 3 },
    };

    [Theory]
    [MemberData(nameof(CachedGradientCases))]
    public void Gradient_caching_gives_the_gradient_and_the_weights_of_the_whole_batch(int worldSize, StageKind kind, int microBatch) =>
        AssertSameStepAsOneTrainer(worldSize, kind, stage => stage with { MicroBatchSize = microBatch });

    [Theory]
    [InlineData(2, StageKind.Distill, 0)]
    [InlineData(3, StageKind.Teacher, 0)]
    [InlineData(3, StageKind.Auto, 0)]
    [InlineData(2, StageKind.Distill, 4)]
    public void A_row_sharded_loss_gives_the_gradient_and_the_weights_of_the_whole_loss(int worldSize, StageKind kind, int microBatch) =>
        AssertSameStepAsOneTrainer(worldSize, kind, stage => stage with { RowShardedLoss = true, MicroBatchSize = microBatch });

    [Theory]
    [InlineData(1, StageKind.Distill, 0)]
    [InlineData(2, StageKind.Auto, 0)]
    [InlineData(1, StageKind.Auto, 5)]
    [InlineData(3, StageKind.Manual, 3)]
    public void Activation_checkpointing_gives_the_gradient_and_the_weights_of_the_plain_step(int worldSize, StageKind kind, int microBatch) =>
        AssertSameStepAsOneTrainer(worldSize, kind, stage => stage with { ActivationCheckpointing = true, MicroBatchSize = microBatch });

    /// <summary>
    /// A stage of <paramref name="kind"/> on W trainers with the settings <paramref name="variant"/> makes, against the plain
    /// stage on one trainer: first-step gradients within 1e-5, weights within 1e-4 after 12 steps.
    /// </summary>
    private void AssertSameStepAsOneTrainer(int worldSize, StageKind kind, Func<StageSpec, StageSpec> variant)
    {
        // An auto stage prunes at its last step: the pruned students must match as well.
        var (stage, assignment) = ComparedStage(kind, pruneStep: 12);
        var (wholeWeights, wholeGradients) = Train(1, stage, assignment);
        var changed = variant(stage);
        var (cachedWeights, cachedGradients) = Train(worldSize, changed, assignment with { Stage = changed });

        Assert.Contains(wholeGradients.Values, g => g.Any(v => Math.Abs(v) > 1e-3)); // a comparison of real gradients
        // A parameter without a gradient on one trainer gets zeros from several (the all-reduce): compare as zeros.
        foreach (var name in wholeGradients.Keys.Union(cachedGradients.Keys))
        {
            var whole = wholeGradients.GetValueOrDefault(name) ?? new float[cachedGradients[name].Length];
            var gradient = cachedGradients.GetValueOrDefault(name) ?? new float[whole.Length];
            var difference = whole.Zip(gradient, (a, b) => Math.Abs(a - b)).Max();
            Assert.True(difference <= 1e-5, $"first-step gradient of {name} differs by {difference}");
        }
        Assert.Equal(wholeWeights.Keys.Order(), cachedWeights.Keys.Order()); // auto: the same pruned architecture
        foreach (var (name, values) in wholeWeights)
        {
            var difference = values.Zip(cachedWeights[name], (a, b) => Math.Abs(a - b)).Max();
            Assert.True(difference <= 1e-4, $"{name} differs by {difference} after {stage.Steps} steps");
        }
    }

    [Theory]
    [InlineData(2, StageKind.Distill, 0)]
    [InlineData(3, StageKind.Teacher, 0)]
    [InlineData(2, StageKind.Manual, 4)] // micro-batches of 4 and 2 rows: the last one's backward runs tower by tower
    [InlineData(3, StageKind.Auto, 0)] // masks learned (one exchange) until the prune at step 6, tower by tower after it
    public void An_overlapped_gradient_exchange_gives_bitwise_the_gradients_and_weights_of_one_exchange(int worldSize, StageKind kind, int microBatch)
    {
        var (stage, assignment) = ComparedStage(kind, pruneStep: 6);
        stage = stage with { MicroBatchSize = microBatch };
        assignment = assignment with { Stage = stage };
        var (serialWeights, serialGradients) = Train(worldSize, stage, assignment, overlapGradientExchange: false);
        var (overlappedWeights, overlappedGradients) = Train(worldSize, stage, assignment, overlapGradientExchange: true);

        Assert.Contains(serialGradients.Values, g => g.Any(v => Math.Abs(v) > 1e-3));
        Assert.Equal(serialGradients.Keys.Order(), overlappedGradients.Keys.Order());
        foreach (var (name, values) in serialGradients) Assert.Equal(values, overlappedGradients[name]);
        Assert.Equal(serialWeights.Keys.Order(), overlappedWeights.Keys.Order());
        foreach (var (name, values) in serialWeights) Assert.Equal(values, overlappedWeights[name]);
    }

    /// <summary>A 12-step stage of <paramref name="kind"/> with a global batch of 12 whose loss has gradients to compare (an
    /// auto stage learns masks from step 1 and prunes at <paramref name="pruneStep"/>).</summary>
    private (StageSpec Stage, StageAssignment Assignment) ComparedStage(StageKind kind, long pruneStep)
    {
        const int steps = 12, batchSize = 12;
        var teacher = TrainingFixtures.SaveTeacher(_directory);
        var stage = TrainingFixtures.Stage(kind == StageKind.Teacher ? kind : StageKind.Distill, steps, batchSize, learnableScale: kind == StageKind.Teacher) with
        {
            Kind = kind,
            Init = kind is StageKind.Manual or StageKind.Auto ? StageSpec.InitTeacher : StageSpec.InitScratch,
            Auto = kind == StageKind.Auto ? new AutoSpec(0, 0.3, 6, pruneStep, 0.05, SignedLagrangian: false) : null,
        };
        // Inheriting students start from another model than the teacher, so that the loss has gradients to compare.
        var init = Path.Combine(_directory, "init.safetensors");
        using (var other = ClipModel.Create(ClipPresets.Get("tiny-test"), seed: 5)) ClipCheckpoint.Save(other, init);
        var assignment = TrainingFixtures.Assignment(stage, kind == StageKind.Teacher ? null : teacher) with
        {
            StudentInit = stage.Init == StageSpec.InitTeacher ? init : StageSpec.InitScratch,
        };
        return (stage, assignment);
    }

    [Theory]
    [InlineData(2, StageKind.Distill, false)]
    [InlineData(3, StageKind.Distill, false)]
    [InlineData(2, StageKind.Distill, true)]
    [InlineData(3, StageKind.Teacher, true)]
    public void W_trainers_end_with_the_weights_of_one_trainer_with_the_same_global_batch(int worldSize, StageKind kind, bool learnableScale)
    {
        const int steps = 20, batchSize = 12;
        var single = Train(1, kind, learnableScale, steps, batchSize);
        var parallel = Train(worldSize, kind, learnableScale, steps, batchSize);
        var initial = ToArrays(TinyClip.Model.ClipModel.Create(TinyClip.Model.ClipPresets.Get("tiny-test", TrainingFixtures.VocabularySize), 7 * 1_000_003L));
        double moved = 0;
        foreach (var (name, values) in single)
        {
            var other = parallel[name];
            for (int i = 0; i < values.Length; i++)
            {
                Assert.True(Math.Abs(values[i] - other[i]) <= 1e-4, $"{name}[{i}]: {values[i]} vs {other[i]}");
                moved = Math.Max(moved, Math.Abs(values[i] - initial[name][i]));
            }
        }
        Assert.True(moved > 1e-3, "training must have changed the weights for the comparison to mean anything");
    }

    private static Dictionary<string, float[]> ToArrays(TinyClip.Model.ClipModel model)
    {
        using (model) return model.StateDictForSave().ToDictionary(kv => kv.Key, kv => kv.Value.data<float>().ToArray());
    }

    public void Dispose()
    {
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
