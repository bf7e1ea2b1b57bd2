using TorchSharp;
using static TorchSharp.torch;

namespace TinyClip.Model;

/// <summary>
/// The three mask families of one uniform tower: hidden (C), heads (L, H) and intermediate (L, MLP width),
/// named <c>{tower}.hidden_log_alpha</c> etc. Holds the tower's expected-size formula (docs/method.md).
/// </summary>
public sealed class TowerMaskSet : IDisposable
{
    public TowerMaskSet(string tower, TowerShape shape, double initialLogAlpha = HardConcreteMask.InitialLogAlpha, Device? device = null)
    {
        if (!shape.IsUniform || shape.Layers == 0 || shape.MaxHeads == 0 || shape.MaxMlpWidth == 0)
            throw new ArgumentException($"{tower}: masks need a full uniform tower (every layer with the same heads and MLP width), got {shape}");
        Tower = tower;
        Shape = shape;
        Hidden = new HardConcreteMask(HiddenName(tower), [shape.Width], initialLogAlpha, device);
        Heads = new HardConcreteMask(HeadsName(tower), [shape.Layers, shape.MaxHeads], initialLogAlpha, device);
        Intermediate = new HardConcreteMask(IntermediateName(tower), [shape.Layers, shape.MaxMlpWidth], initialLogAlpha, device);
    }

    /// <summary>The image tower's name in mask names, as in OpenCLIP's <c>visual.*</c>.</summary>
    public const string ImageTower = "visual";
    public const string TextTower = "text";

    public static string HiddenName(string tower) => $"{tower}.hidden_log_alpha";
    public static string HeadsName(string tower) => $"{tower}.heads_log_alpha";
    public static string IntermediateName(string tower) => $"{tower}.intermediate_log_alpha";

    /// <summary>"visual" or "text".</summary>
    public string Tower { get; }
    public TowerShape Shape { get; }
    public HardConcreteMask Hidden { get; }
    public HardConcreteMask Heads { get; }
    public HardConcreteMask Intermediate { get; }

    public IReadOnlyList<HardConcreteMask> All => [Hidden, Heads, Intermediate];

    /// <summary>One training sample of each family, drawn in the order hidden, heads, intermediate.</summary>
    public TowerMasks Sample(Generator generator)
    {
        var hidden = Hidden.Sample(generator);
        var heads = Heads.Sample(generator);
        var intermediate = Intermediate.Sample(generator);
        return new TowerMasks(heads, intermediate, hidden);
    }

    public TowerMasks Deterministic() => new(Heads.Deterministic(), Intermediate.Deterministic(), Hidden.Deterministic());

    /// <summary>Parameters per head, pph = (4C^2 + 4C) div H: a head's share of in_proj and out_proj.</summary>
    public long ParametersPerHead => (4L * Shape.Width * Shape.Width + 4L * Shape.Width) / Shape.MaxHeads;

    /// <summary>
    /// M = L (2 C M_int + C + M_int) + L H pph: the prunable parameters (block attention and MLP weights).
    /// M_int is the MLP width, 4C in every preset (the TinyCLIP method writes 4C).
    /// </summary>
    public long PrunableSize
    {
        get
        {
            long c = Shape.Width, l = Shape.Layers, h = Shape.MaxHeads, mlp = Shape.MaxMlpWidth;
            return l * (2 * c * mlp + c + mlp) + l * h * ParametersPerHead;
        }
    }

    /// <summary>
    /// R = sum_d P_hid[d] (pph / C sum_{l,h} P_head[l,h] + 2 sum_{l,i} P_int[l,i]), differentiable in every log-alpha.
    /// pph / C is a real ratio (pph itself is the integer quotient).
    /// </summary>
    public Tensor ExpectedRemainingSize()
    {
        using var scope = NewDisposeScope();
        double headShare = (double)ParametersPerHead / Shape.Width;
        var perHiddenDim = Heads.ProbabilityNonZero().sum().Times(headShare).Plus(Intermediate.ProbabilityNonZero().sum().Times(2));
        return (Hidden.ProbabilityNonZero().sum() * perHiddenDim).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        foreach (var mask in All) mask.Dispose();
    }
}
