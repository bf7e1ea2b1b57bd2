using TinyClip.Actors.Configuration;
using TinyClip.Model;
using TinyClip.Model.Optim;
using static TorchSharp.torch;

namespace TinyClip.Actors.Training;

/// <summary>Mask progress of one auto-stage step, for metrics and the journal.</summary>
public sealed record MaskProgress(double ExpectedSparsity, double TargetSparsity, double Penalty, double Lambda1, double Lambda2);

/// <summary>
/// The mask side of an auto stage before its prune step: the masked student, its own AdamW (constant rate, lambdas
/// by ascent), per-step mask samples seeded from (seed, stage, step) so that every trainer draws the same masks and a
/// resumed run draws what the crashed one would have, and the Lagrangian added once per group (on rank 0; the
/// gradients are summed).
/// </summary>
public sealed class MaskLearning : IDisposable
{
    private const string MaskStatePrefix = "mask_state.";
    private const string MaskOptimizerPrefix = "mask_optimizer.";
    private readonly long _seedBase;
    private readonly int _rank;

    public MaskLearning(MaskedStudent masked, AutoSpec spec, OptimizationSpec optimization, long seedBase, int rank)
    {
        Masked = masked;
        Spec = spec;
        _seedBase = seedBase;
        _rank = rank;
        Optimizer = new AdamW(masked.OptimizerGroups(), optimization.Beta1, optimization.Beta2, optimization.Epsilon);
    }

    public static MaskSettings Settings(AutoSpec spec) => new(
        new SparsityRamp(spec.StartSparsity, spec.TargetSparsity, spec.SparsityWarmupSteps),
        spec.SignedLagrangian ? LagrangianForm.Signed : LagrangianForm.Hinged,
        LearningRate: spec.MaskLearningRate);

    public MaskedStudent Masked { get; }
    public AutoSpec Spec { get; }
    public AdamW Optimizer { get; }

    public IEnumerable<TorchSharp.Modules.Parameter> Parameters => Masked.MaskParameters.Concat(Masked.LambdaParameters).Select(p => p.Parameter);

    public StudentMasks Sample(long step)
    {
        using var generator = new Generator((ulong)(_seedBase * 1_000_033L + step));
        return Masked.SampleMasks(generator);
    }

    /// <summary>Adds the Lagrangian's gradient (rank 0 only) and returns the step's mask progress.</summary>
    public MaskProgress AddPenalty(long step)
    {
        using var scope = NewDisposeScope();
        var penalty = Masked.Penalty(step);
        if (_rank == 0) penalty.Loss.backward();
        var lambdas = Masked.LambdaParameters.Select(p => p.Parameter.to_type(ScalarType.Float64).item<double>()).ToArray();
        return new MaskProgress(penalty.ExpectedSparsity, penalty.TargetSparsity, penalty.Loss.to_type(ScalarType.Float64).item<double>(), lambdas[0], lambdas[1]);
    }

    public void Step() => Masked.Step(Optimizer);

    /// <summary>Log-alphas, lambdas and the mask optimiser's state, prefixed, for the checkpoint's optimiser file.</summary>
    public Dictionary<string, Tensor> StateDict()
    {
        var state = Masked.StateDict().ToDictionary(kv => MaskStatePrefix + kv.Key, kv => kv.Value);
        foreach (var (key, value) in Optimizer.StateDict()) state[MaskOptimizerPrefix + key] = value;
        return state;
    }

    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state)
    {
        Masked.LoadStateDict(Strip(state, MaskStatePrefix));
        Optimizer.LoadStateDict(Strip(state, MaskOptimizerPrefix));
    }

    /// <summary>Whether a checkpoint-file entry belongs to the mask state (everything else is the model optimiser's).</summary>
    public static bool IsMaskEntry(string key) => key.StartsWith(MaskStatePrefix) || key.StartsWith(MaskOptimizerPrefix);

    private static Dictionary<string, Tensor> Strip(IReadOnlyDictionary<string, Tensor> state, string prefix) =>
        state.Where(kv => kv.Key.StartsWith(prefix)).ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);

    public void Dispose()
    {
        Optimizer.Dispose();
        Masked.Dispose();
    }
}
