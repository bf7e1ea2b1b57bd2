using TinyClip.Model;
using static TorchSharp.torch;

namespace TinyClip.Model.Tests;

/// <summary>Small configs and deterministic inputs shared by the tests.</summary>
static class TestModels
{
    public static ClipConfig Tiny => ClipPresets.Get("tiny-test");

    /// <summary>An image tower as automatic pruning leaves it: heads [2, 0, 1], MLP widths [64, 16, 32], head width 16.</summary>
    public static ClipConfig Heterogeneous => Tiny with
    {
        Vision = Tiny.Vision with { Tower = new TowerShape(32, 16, [new(2, 64), new(0, 16), new(1, 32)]) },
        Text = Tiny.Text with { Tower = new TowerShape(32, 16, [new(1, 48), new(2, 0)]) },
    };

    /// <summary>
    /// A model whose every float entry is random: weights N(0, 0.3), BatchNorm running variances in [0.5, 1.5)
    /// (a fresh ResNet has bn3 scales of zero, which would hide every residual branch from a test).
    /// </summary>
    public static ClipModel Randomised(ClipConfig config)
    {
        var model = ClipModel.Create(config, seed: 5);
        using var scope = NewDisposeScope();
        using var g = new Generator(99);
        var random = model.StateDictForSave().ToDictionary(kv => kv.Key, kv => !kv.Value.is_floating_point() ? kv.Value
            : kv.Key.EndsWith(".running_var", StringComparison.Ordinal) ? rand(kv.Value.shape, generator: g) + 0.5
            : randn(kv.Value.shape, generator: g) * 0.3);
        model.LoadStateDict(random);
        return model;
    }

    /// <summary>A model whose every entry is distinct: entry k (in name order) holds 1000k + 0, 1, 2, ... in row-major order.</summary>
    public static ClipModel Numbered(ClipConfig config)
    {
        var model = ClipModel.Create(config, seed: 1);
        using var scope = NewDisposeScope();
        var state = model.StateDictForSave();
        int k = 0;
        foreach (var name in state.Keys.Order(StringComparer.Ordinal).ToList())
            state[name] = (arange(state[name].numel(), dtype: float64) + 1000 * ++k).view(state[name].shape);
        model.LoadStateDict(state);
        return model;
    }

    public static Tensor Images(ClipConfig config, int n, ulong seed)
    {
        using var g = new Generator(seed);
        return randn([n, 3, config.Vision.ImageSize, config.Vision.ImageSize], generator: g);
    }

    /// <summary>Rows of random ids below the vocabulary's top id, with the top id (end of text) at <paramref name="eot"/>[i].</summary>
    public static Tensor Tokens(ClipConfig config, int[] eot, ulong seed)
    {
        using var g = new Generator(seed);
        var t = config.Text;
        var tokens = randint(1, t.VocabSize - 1, [eot.Length, t.ContextLength], generator: g);
        for (int i = 0; i < eot.Length; i++) tokens[i, eot[i]] = tensor((long)t.VocabSize - 1);
        return tokens;
    }

    public static string TempFile(string extension) =>
        Path.Combine(Path.GetTempPath(), $"tinyclip-model-test-{Guid.NewGuid():N}{extension}");

    public static bool BitwiseEqual(Tensor a, Tensor b) =>
        a.shape.SequenceEqual(b.shape) && a.dtype == b.dtype && a.contiguous().bytes.SequenceEqual(b.contiguous().bytes);
}
