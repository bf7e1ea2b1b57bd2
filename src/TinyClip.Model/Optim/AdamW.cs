using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyClip.Model.Optim;

/// <summary>
/// AdamW with decoupled weight decay, written here rather than taken from TorchSharp so that its whole state
/// (moments and step counts, keyed by parameter name) can be saved in our safetensors checkpoints and restored
/// bit for bit, and so that a group can be flipped to gradient ascent (the Lagrangian's lambdas).
/// Update rule identical to torch.optim.AdamW.
/// </summary>
public sealed class AdamW : IDisposable
{
    private readonly IReadOnlyList<ParameterGroup> _groups;
    private readonly Dictionary<string, Tensor> _firstMoments = new();
    private readonly Dictionary<string, Tensor> _secondMoments = new();

    public AdamW(IReadOnlyList<ParameterGroup> groups, double beta1, double beta2, double epsilon)
    {
        _groups = groups;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        var names = groups.SelectMany(g => g.Parameters).Select(p => p.Name).ToList();
        if (names.Count != names.Distinct().Count()) throw new ArgumentException("A parameter appears in two optimiser groups.");
    }

    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Epsilon { get; }

    /// <summary>Number of updates taken (shared by every parameter: all step together).</summary>
    public long StepCount { get; private set; }

    public IEnumerable<Parameter> Parameters => _groups.SelectMany(g => g.Parameters).Select(p => p.Parameter);

    public void ZeroGrad()
    {
        foreach (var parameter in Parameters) parameter.grad?.zero_();
    }

    /// <summary>One update with learning rate <paramref name="learningRate"/>; parameters without a gradient are left alone.</summary>
    public void Step(double learningRate)
    {
        StepCount++;
        double biasCorrection1 = 1 - Math.Pow(Beta1, StepCount);
        double biasCorrection2 = 1 - Math.Pow(Beta2, StepCount);
        double stepSize = learningRate / biasCorrection1;
        // TorchSharp hands a Scalar to libtorch as a bare handle, and a temporary Scalar (an implicit conversion, or the
        // alpha of add_ without one) has a finalizer: collected during the native call, it is freed while libtorch reads
        // it (seen as "Expected false to be true" from c10's toFloat). Scalars held by `using` stay alive until the step
        // ends; see HeldScalarArithmetic.
        using var beta1 = Beta1.ToScalar();
        using var oneMinusBeta1 = (1 - Beta1).ToScalar();
        using var beta2 = Beta2.ToScalar();
        using var oneMinusBeta2 = (1 - Beta2).ToScalar();
        using var sqrtBiasCorrection2 = Math.Sqrt(biasCorrection2).ToScalar();
        using var epsilon = Epsilon.ToScalar();
        using var negativeStepSize = (-stepSize).ToScalar();
        using var noGrad = torch.no_grad();
        foreach (var group in _groups)
        {
            using var decay = (1 - learningRate * group.WeightDecay).ToScalar();
            foreach (var (name, parameter) in group.Parameters)
            {
                var grad = parameter.grad;
                if (grad is null) continue;
                using var scope = torch.NewDisposeScope();
                if (group.WeightDecay != 0) parameter.mul_(decay);
                var m = Moment(_firstMoments, name, parameter);
                var v = Moment(_secondMoments, name, parameter);
                m.mul_(beta1).add_(grad, alpha: oneMinusBeta1);
                v.mul_(beta2).addcmul_(grad, grad, value: oneMinusBeta2);
                var denominator = v.sqrt().div_(sqrtBiasCorrection2).PlusInPlace(epsilon);
                parameter.addcdiv_(m, denominator, value: negativeStepSize);
            }
        }
    }

    /// <summary>The optimiser state as named tensors (CPU copies, owned by the caller), for checkpoints.</summary>
    /// <remarks>The scope holds the intermediate tensors until the copies are made: a temporary wrapper left to the GC
    /// can be finalized, and its native handle freed and reused, while libtorch still reads it (this runs on the
    /// trainer's thread outside the step's scope).</remarks>
    public Dictionary<string, Tensor> StateDict()
    {
        using var scope = torch.NewDisposeScope();
        var state = new Dictionary<string, Tensor>();
        foreach (var (name, tensor) in _firstMoments) state["exp_avg." + name] = tensor.detach().cpu().clone().DetachFromDisposeScope();
        foreach (var (name, tensor) in _secondMoments) state["exp_avg_sq." + name] = tensor.detach().cpu().clone().DetachFromDisposeScope();
        state["step"] = torch.tensor(new long[] { StepCount }).DetachFromDisposeScope();
        return state;
    }

    /// <summary>Restores <see cref="StateDict"/>; every moment must belong to a known parameter with the same shape.</summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state)
    {
        if (!state.TryGetValue("step", out var step)) throw new InvalidDataException("Optimiser state has no 'step' entry.");
        var byName = _groups.SelectMany(g => g.Parameters).ToDictionary(p => p.Name, p => p.Parameter);
        using var scope = torch.NewDisposeScope(); // holds the conversions' temporaries (see StateDict)
        ClearMoments();
        foreach (var (key, tensor) in state)
        {
            if (key == "step") continue;
            var (table, name) = key.StartsWith("exp_avg_sq.") ? (_secondMoments, key["exp_avg_sq.".Length..])
                : key.StartsWith("exp_avg.") ? (_firstMoments, key["exp_avg.".Length..])
                : throw new InvalidDataException($"Unknown optimiser state entry '{key}'.");
            if (!byName.TryGetValue(name, out var parameter))
                throw new InvalidDataException($"Optimiser state '{key}' names no parameter of this model.");
            if (!parameter.shape.SequenceEqual(tensor.shape))
                throw new InvalidDataException($"Optimiser state '{key}' has shape [{string.Join(",", tensor.shape)}], parameter has [{string.Join(",", parameter.shape)}].");
            table[name] = tensor.to(parameter.dtype, parameter.device).clone().DetachFromDisposeScope();
        }
        StepCount = step.to_type(ScalarType.Int64).item<long>();
    }

    private static Tensor Moment(Dictionary<string, Tensor> table, string name, Tensor like)
    {
        if (!table.TryGetValue(name, out var moment))
        {
            moment = torch.zeros_like(like).DetachFromDisposeScope();
            table[name] = moment;
        }
        return moment;
    }

    private void ClearMoments()
    {
        foreach (var t in _firstMoments.Values.Concat(_secondMoments.Values)) t.Dispose();
        _firstMoments.Clear();
        _secondMoments.Clear();
    }

    public void Dispose() => ClearMoments();
}
