using TinyClip.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace TinyClip.Model.Tests.Inheritance;

public class HardConcreteMaskTests
{
    static readonly double Shift = -HardConcreteMask.Beta * Math.Log(-HardConcreteMask.Gamma / HardConcreteMask.Zeta); // 1.5986

    static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    [Fact]
    public void Sampled_masks_are_non_zero_and_one_as_often_as_the_formulas_say()
    {
        double[] logAlphas = [-3, -1, 0, 1, 3];
        const int draws = 4000;
        using var mask = new HardConcreteMask("m", [logAlphas.Length, draws]);
        mask.Set(tensor(logAlphas, dtype: float32).view(-1, 1).expand(-1, draws));
        using var g = new Generator(7);
        using var scope = NewDisposeScope();
        var z = mask.Sample(g);
        Assert.True(z.min().item<float>() >= 0 && z.max().item<float>() <= 1);
        var nonZero = z.gt(0).to(float64).mean([1]).data<double>().ToArray();
        var one = z.eq(1).to(float64).mean([1]).data<double>().ToArray();
        var formula = mask.ProbabilityNonZero()[TensorIndex.Colon, 0].to(float64).data<double>().ToArray();
        for (int i = 0; i < logAlphas.Length; i++)
        {
            // P(z > 0) = sigmoid(la + 1.5986); P(z = 1) = P(s >= 11/12) = sigmoid(la - beta ln 11).
            double pNonZero = Sigmoid(logAlphas[i] + Shift);
            double pOne = Sigmoid(logAlphas[i] - HardConcreteMask.Beta * Math.Log(11));
            Assert.Equal(pNonZero, formula[i], 5);
            // Four standard errors of a proportion over 4000 draws.
            Assert.InRange(nonZero[i], pNonZero - 4 * Math.Sqrt(pNonZero * (1 - pNonZero) / draws), pNonZero + 4 * Math.Sqrt(pNonZero * (1 - pNonZero) / draws));
            Assert.InRange(one[i], pOne - 4 * Math.Sqrt(pOne * (1 - pOne) / draws), pOne + 4 * Math.Sqrt(pOne * (1 - pOne) / draws));
        }
    }

    [Fact]
    public void A_seeded_generator_reproduces_the_sample_and_the_sample_carries_gradient()
    {
        using var mask = new HardConcreteMask("m", [3, 5], initialLogAlpha: 0);
        using var scope = NewDisposeScope();
        Tensor Draw(ulong seed)
        {
            using var g = new Generator(seed);
            return mask.Sample(g);
        }
        Assert.True(TestModels.BitwiseEqual(Draw(11), Draw(11)));
        Assert.False(TestModels.BitwiseEqual(Draw(11), Draw(12)));
        Draw(11).sum().backward();
        Assert.True(mask.LogAlpha.grad!.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void Deterministic_mask_zeroes_the_expected_number_of_smallest_entries_per_row()
    {
        using var mask = new HardConcreteMask("heads", [2, 4]);
        mask.Set(tensor(new float[,] { { 3, -2, 0.5f, -1 }, { -1, -1, 4, 4 } }));
        using var scope = NewDisposeScope();
        var z = mask.Deterministic();
        // Row 0: P(z>0) = [0.99003, 0.40098, 0.89077, 0.64534], sum 2.92711, round(4 - 2.92711) = 1 zero;
        // soft = sigmoid(1.2 la) = [0.97340, 0.08317, 0.64566, 0.23148]: head 1 (smallest) goes, the others keep their value.
        Assert.Equal(new[] { 0.973403f, 0, 0.645656f, 0.231475f }, z[0].data<float>().ToArray(), new FloatTolerance(1e-5f));
        // Row 1: P = [0.64534, 0.64534, 0.99631, 0.99631], round(4 - 3.28329) = 1 zero; heads 0 and 1 tie, the lower index goes.
        Assert.Equal(new[] { 0, 0.231475f, 0.991837f, 0.991837f }, z[1].data<float>().ToArray(), new FloatTolerance(1e-5f));
    }

    [Fact]
    public void Deterministic_count_rounds_half_to_even()
    {
        float half = -(float)Shift; // P(z>0) = sigmoid(0) = 0.5
        using var mask = new HardConcreteMask("heads", [2, 4]);
        mask.Set(tensor(new float[,] { { half, 200, 200, 200 }, { half, -200, 200, 200 } }));
        using var scope = NewDisposeScope();
        Assert.Equal(0.5f, mask.ProbabilityNonZero()[0, 0].item<float>());
        var zeros = mask.Deterministic().eq(0).sum(1).data<long>().ToArray();
        // Row 0: 4 - 3.5 = 0.5 -> 0 zeros (away from zero would give 1); row 1: 4 - 2.5 = 1.5 -> 2 zeros (truncation would give 1).
        Assert.Equal(new long[] { 0, 2 }, zeros);
    }

    [Fact]
    public void Clamp_keeps_log_alpha_between_ln_001_and_ln_100()
    {
        using var mask = new HardConcreteMask("m", [3]);
        mask.Set(tensor(new float[] { -10, 1, 10 }));
        mask.Clamp();
        Assert.Equal(new[] { (float)Math.Log(0.01), 1, (float)Math.Log(100) }, mask.LogAlpha.data<float>().ToArray(), new FloatTolerance(1e-6f));
    }

    sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;
        public int GetHashCode(float obj) => 0;
    }
}
