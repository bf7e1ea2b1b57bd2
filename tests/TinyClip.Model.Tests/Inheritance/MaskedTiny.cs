using TinyClip.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace TinyClip.Model.Tests.Inheritance;

/// <summary>The tiny test model under seeded random log-alphas, with an MLP and an attention sub-layer pruned away entirely.</summary>
static class MaskedTiny
{
    public static MaskedStudent Create(ClipModel model)
    {
        var student = MaskedStudent.Create(model, new MaskSettings(new SparsityRamp(0, 0.5, 100)));
        using var g = new Generator(21);
        using var scope = NewDisposeScope();
        foreach (var mask in student.Image.All.Concat(student.Text.All))
            mask.Set(randn(mask.Shape, generator: g) * 3);
        // Image block 0 loses its whole MLP, text block 1 all its heads.
        student.Image.Intermediate.LogAlpha.detach()[0].fill_(-10);
        student.Text.Heads.LogAlpha.detach()[1].fill_(-10);
        return student;
    }

    public static float MaxDifference(Tensor a, Tensor b) => (a - b).abs().max().item<float>();
}
