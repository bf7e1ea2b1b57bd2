using TinyClip.Model;
using static TorchSharp.torch;
using AdamW = TinyClip.Model.Optim.AdamW;

namespace TinyClip.Model.Tests.Inheritance;

public class SparsityTests
{
    static readonly float Half = (float)(HardConcreteMask.Beta * Math.Log(-HardConcreteMask.Gamma / HardConcreteMask.Zeta)); // P(z>0) = 0.5

    // Image tower: C 4, L 1, H 2 (head width 2), MLP 16. Text tower: C 4, L 2, H 3 (head width 2), MLP 16.
    static readonly ClipConfig Small = new(4,
        new VisionConfig(8, 4, TowerShape.Uniform(4, 1, 2, 2, 16)),
        new TextConfig(4, 10, TowerShape.Uniform(4, 2, 3, 2, 16)));

    static MaskedStudent Student(ClipModel model, double start = 0, double target = 0.5, LagrangianForm form = LagrangianForm.Hinged) =>
        MaskedStudent.Create(model, new MaskSettings(new SparsityRamp(start, target, 1000), form));

    [Fact]
    public void Expected_sparsity_matches_the_hand_computed_formula()
    {
        using var model = ClipModel.Create(Small, seed: 1);
        using var student = Student(model);
        // Image: P_hid = [1, 1, .5, .5], P_head = [1, .5], P_int = 8 x 1 and 8 x 0. Text: every P = 1.
        student.Image.Hidden.Set(tensor(new[] { 200, 200, Half, Half }));
        student.Image.Heads.Set(tensor(new[,] { { 200, Half } }));
        student.Image.Intermediate.Set(cat([full(1, 8, 200f), full(1, 8, -200f)], 1));
        student.Text.All.ToList().ForEach(m => m.Set(full(m.Shape, 200f)));
        // Image: pph = (4*16 + 4*4) div 2 = 40, M = 1*(2*4*16 + 4 + 16) + 1*2*40 = 228,
        //        R = (1+1+.5+.5) * (40/4 * (1 + .5) + 2 * 8) = 3 * 31 = 93.
        // Text:  pph = 80 div 3 = 26 (integer), M = 2*(128 + 4 + 16) + 2*3*26 = 452,
        //        R = 4 * (26/4 * 6 + 2 * 32) = 4 * (39 + 64) = 412 (26/4 = 6.5, real).
        // p = 1 - (93 + 412) / (228 + 452) = 1 - 505/680 = 0.2573529.
        Assert.Equal(228, student.Image.PrunableSize);
        Assert.Equal(452, student.Text.PrunableSize);
        using var scope = NewDisposeScope();
        Assert.Equal(93, student.Image.ExpectedRemainingSize().item<float>(), 3);
        Assert.Equal(412, student.Text.ExpectedRemainingSize().item<float>(), 3);
        Assert.Equal(1 - 505.0 / 680, student.ExpectedSparsity().item<float>(), 5);
    }

    [Fact]
    public void Target_ramps_linearly_over_the_warm_up_then_stays()
    {
        var ramp = new SparsityRamp(0.25, 0.5, 1000);
        Assert.Equal(0.25, ramp.At(0));
        Assert.Equal(0.375, ramp.At(500));
        Assert.Equal(0.5, ramp.At(1000));
        Assert.Equal(0.5, ramp.At(5000));
        Assert.Equal(0.5, new SparsityRamp(0.25, 0.5, 0).At(0));
    }

    [Fact]
    public void Hinged_term_below_target_pushes_masks_down_and_lambdas_up()
    {
        using var model = ClipModel.Create(Small, seed: 1);
        using var student = Student(model, start: 0.6, target: 0.6);
        student.Image.All.Concat(student.Text.All).ToList().ForEach(m => m.Set(zeros(m.Shape)));
        using var scope = NewDisposeScope();
        var penalty = student.Penalty(step: 0);
        double gap = 0.6 - penalty.ExpectedSparsity;
        Assert.True(gap > 0, $"expected sparsity {penalty.ExpectedSparsity} should be below the target");
        Assert.Equal(10 * gap + 10 * gap * gap, penalty.Loss.item<float>(), 4);
        penalty.Loss.backward();
        // dL/dlambda1 = gap, dL/dlambda2 = gap^2: ascent makes both grow.
        Assert.Equal(gap, student.Lagrangian.Lambda1.grad!.item<float>(), 5);
        Assert.Equal(gap * gap, student.Lagrangian.Lambda2.grad!.item<float>(), 5);
        // A larger log-alpha means more expected parameters, a lower p and a larger gap: every gradient is positive.
        foreach (var (name, p) in student.MaskParameters)
            Assert.True(p.grad!.min().item<float>() > 0, name);

        using var optimizer = new AdamW(student.OptimizerGroups(), 0.9, 0.999, 1e-8);
        var before = student.MaskParameters.ToDictionary(p => p.Name, p => p.Parameter.detach().clone());
        student.Step(optimizer);
        Assert.True(student.Lagrangian.Lambda1.item<float>() > 10 && student.Lagrangian.Lambda2.item<float>() > 10);
        foreach (var (name, p) in student.MaskParameters)
            Assert.True(p.lt(before[name]).all().item<bool>(), name);
    }

    [Fact]
    public void Hinged_term_vanishes_above_target_and_the_signed_form_pulls_back()
    {
        using var model = ClipModel.Create(Small, seed: 1);
        using var hinged = Student(model, start: 0, target: 0);
        using var signed = Student(model, start: 0, target: 0, LagrangianForm.Signed);
        foreach (var student in new[] { hinged, signed })
            student.Image.All.Concat(student.Text.All).ToList().ForEach(m => m.Set(zeros(m.Shape)));
        using var scope = NewDisposeScope();
        var h = hinged.Penalty(0);
        Assert.True(h.ExpectedSparsity > 0);
        Assert.Equal(0, h.Loss.item<float>());
        var s = signed.Penalty(0);
        s.Loss.backward();
        // Signed: dL/dlambda1 = p - q > 0, and a lower log-alpha raises p, raising the term: gradients negative.
        Assert.Equal(s.ExpectedSparsity, signed.Lagrangian.Lambda1.grad!.item<float>(), 5);
        foreach (var (name, p) in signed.MaskParameters)
            Assert.True(p.grad!.max().item<float>() < 0, name);
    }

    [Fact]
    public void Log_alphas_are_clamped_after_a_step_and_mask_state_round_trips()
    {
        using var model = ClipModel.Create(Small, seed: 1);
        using var student = Student(model);
        using var scope = NewDisposeScope();
        student.Penalty(step: 500).Loss.backward();
        using var optimizer = new AdamW(student.OptimizerGroups(), 0.9, 0.999, 1e-8);
        student.Step(optimizer);
        Assert.Equal((float)Math.Log(100), student.Image.Hidden.LogAlpha.max().item<float>(), 5);

        var state = student.StateDict();
        Assert.Equal(8, state.Count);
        using var other = Student(model);
        other.LoadStateDict(state);
        foreach (var (name, tensor) in other.StateDict())
            Assert.True(TestModels.BitwiseEqual(state[name], tensor), name);
        state["masks.text.heads_log_alpha"] = zeros(3, 3);
        var error = Assert.Throws<InvalidDataException>(() => other.LoadStateDict(state));
        Assert.Contains("masks.text.heads_log_alpha", error.Message);
    }
}
