using TinyClip.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace TinyClip.Model.Tests;

/// <summary>
/// The ModifiedResNet image tower (forward and gradients) against a naive float64 re-implementation of OpenCLIP's math, written from the
/// state dict: convolutions as sums over kernel offsets, BatchNorm from its formula (running statistics in eval
/// mode, batch statistics and the running-statistics update in train mode), pools as reshaped means, and the
/// attention pool head by head. Every weight and statistic is random (a fresh model has bn3 scales of zero, which
/// would hide every residual branch).
/// </summary>
public class ResNetReferenceForwardTests
{
    const double Eps = 1e-5, Momentum = 0.1;

    static ClipConfig Config => ClipPresets.Get("tiny-resnet-test");

    static Tensor P(Dictionary<string, Tensor> s, string key) => s[key].to(float64);

    /// <param name="x">(N, C, H, W) float64</param>
    static Tensor Conv(Tensor x, Tensor w, int stride, int padding)
    {
        long k = w.shape[2], outH = (x.shape[2] + 2 * padding - k) / stride + 1, outW = (x.shape[3] + 2 * padding - k) / stride + 1;
        var padded = nn.functional.pad(x, [padding, padding, padding, padding]);
        var sum = zeros([x.shape[0], w.shape[0], outH, outW], float64);
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++)
            {
                var window = padded[.., .., TensorIndex.Slice(i, i + (outH - 1) * stride + 1, stride), TensorIndex.Slice(j, j + (outW - 1) * stride + 1, stride)];
                sum += einsum("oc,nchw->nohw", w[.., .., i, j], window);
            }
        return sum;
    }

    static Tensor AvgPool(Tensor x, int k) =>
        x.reshape(x.shape[0], x.shape[1], x.shape[2] / k, k, x.shape[3] / k, k).mean([3, 5]);

    /// <summary>BatchNorm <paramref name="p"/>; in train mode it also writes the expected running statistics into <paramref name="expected"/>.</summary>
    static Tensor BatchNorm(Dictionary<string, Tensor> s, string p, Tensor x, bool training, Dictionary<string, Tensor> expected)
    {
        Tensor mean, variance;
        if (training)
        {
            long count = x.numel() / x.shape[1];
            mean = x.mean([0, 2, 3]);
            variance = (x - mean.view(1, -1, 1, 1)).pow(2).mean([0, 2, 3]);
            expected[p + ".running_mean"] = (1 - Momentum) * P(s, p + ".running_mean") + Momentum * mean;
            expected[p + ".running_var"] = (1 - Momentum) * P(s, p + ".running_var") + Momentum * variance * count / (count - 1);
        }
        else
        {
            mean = P(s, p + ".running_mean");
            variance = P(s, p + ".running_var");
        }
        var normalised = (x - mean.view(1, -1, 1, 1)) / (variance.view(1, -1, 1, 1) + Eps).sqrt();
        return normalised * P(s, p + ".weight").view(1, -1, 1, 1) + P(s, p + ".bias").view(1, -1, 1, 1);
    }

    static Tensor Relu(Tensor x) => x.clamp_min(0);

    static Tensor Bottleneck(Dictionary<string, Tensor> s, string p, Tensor x, int stride, bool training, Dictionary<string, Tensor> expected)
    {
        var y = Relu(BatchNorm(s, p + ".bn1", Conv(x, P(s, p + ".conv1.weight"), 1, 0), training, expected));
        y = Relu(BatchNorm(s, p + ".bn2", Conv(y, P(s, p + ".conv2.weight"), 1, 1), training, expected));
        if (stride > 1) y = AvgPool(y, stride);
        y = BatchNorm(s, p + ".bn3", Conv(y, P(s, p + ".conv3.weight"), 1, 0), training, expected);
        var identity = x;
        if (s.ContainsKey(p + ".downsample.0.weight"))
        {
            var pooled = stride > 1 ? AvgPool(x, stride) : x;
            identity = BatchNorm(s, p + ".downsample.1", Conv(pooled, P(s, p + ".downsample.0.weight"), 1, 0), training, expected);
        }
        return Relu(y + identity);
    }

    /// <param name="x">(N, C, H, W) the last stage's output</param>
    static Tensor AttentionPool(Dictionary<string, Tensor> s, Tensor x, int heads)
    {
        long n = x.shape[0], c = x.shape[1], d = c / heads;
        var rows = new List<Tensor>();
        for (int sample = 0; sample < n; sample++)
        {
            var cells = x[sample].reshape(c, -1).t();                                 // (HW, C)
            var tokens = cat([cells.mean([0], keepdim: true), cells], 0) + P(s, "visual.attnpool.positional_embedding");
            Tensor Project(string name) => tokens.matmul(P(s, $"visual.attnpool.{name}.weight").t()) + P(s, $"visual.attnpool.{name}.bias");
            var q = Project("q_proj");
            var k = Project("k_proj");
            var v = Project("v_proj");
            var outputs = new List<Tensor>();
            for (int head = 0; head < heads; head++)
            {
                var qh = q[0].narrow(0, head * d, d);
                var weights = (k.narrow(1, head * d, d).matmul(qh) / Math.Sqrt(d)).softmax(0);
                outputs.Add(weights.matmul(v.narrow(1, head * d, d)));
            }
            rows.Add(cat(outputs, 0).matmul(P(s, "visual.attnpool.c_proj.weight").t()) + P(s, "visual.attnpool.c_proj.bias"));
        }
        return stack(rows);
    }

    static Tensor Reference(Dictionary<string, Tensor> s, ClipConfig config, Tensor images, bool training, Dictionary<string, Tensor> expected)
    {
        var x = images.to(float64);
        x = Relu(BatchNorm(s, "visual.bn1", Conv(x, P(s, "visual.conv1.weight"), 2, 1), training, expected));
        x = Relu(BatchNorm(s, "visual.bn2", Conv(x, P(s, "visual.conv2.weight"), 1, 1), training, expected));
        x = Relu(BatchNorm(s, "visual.bn3", Conv(x, P(s, "visual.conv3.weight"), 1, 1), training, expected));
        x = AvgPool(x, 2);
        var depths = config.Vision.ResNet!.AsList();
        for (int stage = 0; stage < depths.Count; stage++)
            for (int block = 0; block < depths[stage]; block++)
                x = Bottleneck(s, $"visual.layer{stage + 1}.{block}", x, block == 0 && stage > 0 ? 2 : 1, training, expected);
        return AttentionPool(s, x, config.Vision.Heads);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Image_tower_matches_a_naive_reference(bool training)
    {
        using var scope = NewDisposeScope();
        var config = Config;
        using var model = TestModels.Randomised(config);
        var before = model.StateDictForSave();
        var images = TestModels.Images(config, 3, 41);
        var expected = new Dictionary<string, Tensor>();
        var reference = Reference(before, config, images, training, expected);
        if (training) model.train(); else model.eval();
        var actual = model.EncodeImage(images).to(float64);

        Assert.Equal([3L, config.EmbedDim], actual.shape);
        // float32 against float64 through 25 convolutions: differences stay within a millionth of the outputs' scale.
        double difference = (actual - reference).abs().max().item<double>(), scale = reference.abs().max().item<double>();
        Assert.True(difference <= 1e-5 * scale, $"max difference {difference} of outputs up to {scale}");
        var after = model.StateDictForSave();
        // 3 BatchNorms in the stem, 3 in each of the 6 blocks, 1 in each stage's shortcut: every running statistic is checked.
        Assert.Equal(training ? 2 * 25 : 0, expected.Count);
        foreach (var (name, value) in expected)
            Assert.True(after[name].to(float64).allclose(value, rtol: 1e-4, atol: 1e-6), name);
        long batches = training ? 1 : 0;
        Assert.Equal(batches, after["visual.bn1.num_batches_tracked"].item<long>());
        if (!training)
            Assert.True(TestModels.BitwiseEqual(after["visual.layer1.0.bn1.running_mean"], before["visual.layer1.0.bn1.running_mean"]));
    }

    /// <summary>
    /// Gradients of the image tower in train mode (BatchNorm on batch statistics) against autograd through the float64
    /// reference, for the images and every image-tower parameter. The tiny tower's 3x3 convolutions have 8 output
    /// channels: on the CPU, libtorch's oneDNN path pads such channels to its vector width when it computes a
    /// convolution's input gradient in the NCHW layout and reads the padding uninitialised, so the gradients came out
    /// different from run to run, often NaN. The backward runs again after memory is freed full of NaN, and must repeat
    /// bitwise.
    /// </summary>
    [Fact]
    public void Image_tower_gradients_match_the_naive_reference_and_repeat_bitwise()
    {
        using var scope = NewDisposeScope();
        var config = Config;
        using var model = TestModels.Randomised(config);
        model.train();
        var reference = model.StateDictForSave().ToDictionary(kv => kv.Key, kv => kv.Value.is_floating_point() ? kv.Value.to(float64).requires_grad_() : kv.Value);
        var images = TestModels.Images(config, 3, 43);
        using var g = new Generator(44);
        var outputWeights = randn([3, config.EmbedDim], generator: g);
        var referenceImages = images.to(float64).requires_grad_();
        (Reference(reference, config, referenceImages, training: true, []) * outputWeights.to(float64)).sum().backward();
        var visual = model.named_parameters().Where(p => p.name.StartsWith("visual.", StringComparison.Ordinal)).ToList();

        Dictionary<string, Tensor> Gradients()
        {
            model.zero_grad();
            var input = images.clone().requires_grad_();
            (model.EncodeImage(input) * outputWeights).sum().backward();
            var result = visual.ToDictionary(p => p.name, p => p.parameter.grad!.clone());
            result["images"] = input.grad!;
            return result;
        }

        var first = Gradients();
        Assert.Equal(visual.Count + 1, first.Count);
        foreach (var (name, gradient) in first)
        {
            var expected = name == "images" ? referenceImages.grad! : reference[name].grad!;
            double difference = (gradient.to(float64) - expected).abs().max().item<double>(), scale = expected.abs().max().item<double>();
            // A key bias adds the same q.b to each of a query's logits, which the softmax ignores: its gradient is zero
            // (rounding in both), so it is held to its weight's scale.
            if (name == "visual.attnpool.k_proj.bias")
                scale = reference["visual.attnpool.k_proj.weight"].grad!.abs().max().item<double>();
            Assert.True(scale > 0, $"{name}: the reference gradient is zero, which would hide a wrong one");
            // float32 against float64 through 25 convolutions and BatchNorm's batch statistics.
            Assert.True(difference <= 1e-4 * scale, $"{name}: max difference {difference} of gradients up to {scale}");
        }
        for (int run = 0; run < 3; run++)
        {
            foreach (long size in new long[] { 1 << 10, 1 << 14, 1 << 18, 1 << 20 })
                using (var freed = empty([size])) freed.FillInPlace(double.NaN);
            var again = Gradients();
            foreach (var (name, gradient) in first)
                Assert.True(TestModels.BitwiseEqual(gradient, again[name]), $"{name} differs in run {run + 2}");
        }
    }

    [Fact]
    public void Stage_strides_shrink_the_grid_to_the_attention_pools_positions()
    {
        var config = Config;
        Assert.Equal(2, config.Vision.GridSize);
        Assert.Equal(5, config.Vision.Tokens);
        Assert.Equal(16, config.Vision.Heads);
        using var model = ClipModel.Create(config, 1);
        Assert.Throws<ArgumentException>(() => model.EncodeImage(zeros(1, 3, 32, 32)));
    }
}
