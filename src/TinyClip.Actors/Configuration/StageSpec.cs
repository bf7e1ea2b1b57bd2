using TinyClip.Configuration;

namespace TinyClip.Actors.Configuration;

public enum StageKind
{
    /// <summary>Pre-train a CLIP teacher with the contrastive loss (no teacher needed; alpha forced to 0).</summary>
    Teacher,
    /// <summary>Distil the fixed teacher into a student by affinity mimicking.</summary>
    Distill,
    /// <summary>Manual weight inheritance: the student (a smaller preset) inherits layers and leading slices of its init model, then is distilled.</summary>
    Manual,
    /// <summary>Automatic weight inheritance: learnable structured masks over the init model, pruned at prune-step, distilled throughout.</summary>
    Auto,
}

/// <summary>Mask learning of an auto stage (docs/method.md): target-sparsity ramp, Lagrangian, prune step.</summary>
public sealed record AutoSpec(double StartSparsity, double TargetSparsity, long SparsityWarmupSteps, long PruneStep,
    double MaskLearningRate, bool SignedLagrangian);

/// <summary>Optimiser and schedule of one stage (docs/method.md).</summary>
public sealed record OptimizationSpec(
    double LearningRate, double Beta1, double Beta2, double Epsilon, double WeightDecay, long WarmupSteps, double GradientClip);

/// <summary>Loss mix and logit scales of one stage (docs/method.md).</summary>
public sealed record LossSpec(double Alpha, double Weight, double FixedLogitScale, bool LearnableLogitScale, bool TeacherOwnLogitScale);

/// <summary>One stage of the plan, fully resolved (its block in tinyclip.plan falling back to tinyclip.stage-defaults).</summary>
public sealed record StageSpec(
    string Name,
    StageKind Kind,
    string Model,
    string Init,
    long Steps,
    int BatchSize,
    OptimizationSpec Optimization,
    LossSpec Loss,
    long EvalEverySteps,
    AutoSpec? Auto = null,
    int MicroBatchSize = 0,
    bool RowShardedLoss = false,
    bool ActivationCheckpointing = false)
{
    public const string InitScratch = "scratch";
    public const string InitPrevious = "previous";
    /// <summary>The run's fixed teacher: where the first inheritance stage usually starts.</summary>
    public const string InitTeacher = "teacher";

    public bool Inherits => Kind is StageKind.Manual or StageKind.Auto;

    public static StageSpec Read(SettingsReader stage, string name)
    {
        var kind = stage.Choice<StageKind>("kind");
        var spec = new StageSpec(
            Name: name,
            Kind: kind,
            Model: stage.String("model", allowEmpty: false),
            Init: stage.String("init", allowEmpty: false),
            Steps: stage.Long("steps", 1),
            BatchSize: stage.Int("batch-size", 1),
            Optimization: new OptimizationSpec(
                stage.Double("learning-rate", 0, 10),
                stage.Double("beta1", 0, 0.999999),
                stage.Double("beta2", 0, 0.999999),
                stage.Double("epsilon", 1e-12, 1),
                stage.Double("weight-decay", 0, 10),
                stage.Long("warmup-steps", 0),
                stage.Double("gradient-clip", 0)),
            Loss: new LossSpec(
                kind == StageKind.Teacher ? 0.0 : stage.Double("alpha", 0, 1),
                stage.Double("loss-weight", 0),
                stage.Double("fixed-logit-scale", 1e-3, 1000),
                // A teacher is pre-trained with a learnable scale (initialised to 1/0.07), as CLIP is.
                kind == StageKind.Teacher || stage.Bool("learnable-logit-scale"),
                stage.Bool("teacher-own-logit-scale")),
            EvalEverySteps: stage.Long("eval-every-steps", 0),
            Auto: kind == StageKind.Auto ? ReadAuto(stage) : null,
            MicroBatchSize: stage.Int("micro-batch-size", 0),
            RowShardedLoss: stage.Bool("row-sharded-loss"),
            ActivationCheckpointing: stage.Bool("activation-checkpointing"));
        if (spec.MicroBatchSize > spec.BatchSize)
            throw new InvalidSettingException(stage.Key("micro-batch-size"), $"must not exceed the batch size ({spec.BatchSize}); 0 = the whole local batch");
        if (spec.Optimization.WarmupSteps >= spec.Steps && spec.Steps > 1)
            throw new InvalidSettingException(stage.Key("warmup-steps"), $"must be smaller than steps ({spec.Steps})");
        if (spec.Auto is { } auto && auto.PruneStep > spec.Steps)
            throw new InvalidSettingException(stage.Key("prune-step"), $"must not be after the stage's last step ({spec.Steps})");
        if (spec.Inherits && spec.Init == InitScratch)
            throw new InvalidSettingException(stage.Key("init"), $"a {kind.ToString().ToLowerInvariant()} stage inherits weights: use previous, teacher or a checkpoint path");
        return spec;
    }

    private static AutoSpec ReadAuto(SettingsReader stage)
    {
        var start = stage.Double("start-sparsity", 0, 0.99);
        var target = stage.Double("target-sparsity", 0, 0.99);
        if (target < start) throw new InvalidSettingException(stage.Key("target-sparsity"), $"must not be below start-sparsity ({start})");
        return new AutoSpec(start, target, stage.Long("sparsity-warmup-steps", 0), stage.Long("prune-step", 1),
            stage.Double("mask-learning-rate", 0, 10), stage.Choice<LagrangianChoice>("lagrangian") == LagrangianChoice.Signed);
    }

    private enum LagrangianChoice { Hinged, Signed }
}
