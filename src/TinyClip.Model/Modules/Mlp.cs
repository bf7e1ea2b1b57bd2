using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyClip.Model;

/// <summary>The block MLP: c_fc -> GELU (exact erf) or QuickGELU -> c_proj.</summary>
public sealed class Mlp : nn.Module
{
    readonly Linear c_fc;
    readonly Linear c_proj;
    readonly bool quickGelu;

    public Mlp(int width, int hidden, bool quickGelu) : base(nameof(Mlp))
    {
        c_fc = nn.Linear(width, hidden);
        c_proj = nn.Linear(hidden, width);
        this.quickGelu = quickGelu;
        RegisterComponents();
    }

    public Linear Fc => c_fc;
    public Linear Proj => c_proj;

    /// <param name="intermediateMask">optional (M): scales the hidden activations</param>
    public Tensor Forward(Tensor x, Tensor? intermediateMask)
    {
        using var scope = NewDisposeScope();
        var h = c_fc.forward(x);
        // QuickGELU is what OpenAI's original CLIP weights were trained with.
        h = quickGelu ? h * sigmoid(h.Times(1.702)) : nn.functional.gelu(h);
        if (intermediateMask is not null) h = h * intermediateMask;
        return c_proj.forward(h).MoveToOuterDisposeScope();
    }
}
