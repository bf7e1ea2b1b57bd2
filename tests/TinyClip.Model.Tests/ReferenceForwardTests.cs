using TinyClip.Model;
using static TorchSharp.torch;

namespace TinyClip.Model.Tests;

/// <summary>
/// The model's forward against a deliberately naive re-implementation of OpenCLIP's math, written from the
/// state dict in float64 with per-sample, per-head, per-patch loops: it checks the packed q/k/v layout,
/// the head split, the causal mask, the patch order, pre-LN, exact GELU and both poolings.
/// </summary>
public class ReferenceForwardTests
{
    static Tensor P(Dictionary<string, Tensor> s, string key) => s[key].to(float64);

    static Tensor LayerNorm(Tensor x, Tensor w, Tensor b)
    {
        var mean = x.mean([-1], keepdim: true);
        var variance = (x - mean).pow(2).mean([-1], keepdim: true);
        return (x - mean) / (variance + 1e-5).sqrt() * w + b;
    }

    static Tensor Gelu(Tensor x) => 0.5 * x * (1 + special.erf(x / Math.Sqrt(2)));

    /// <param name="x">(T, C) one sample</param>
    static Tensor Block(Dictionary<string, Tensor> s, string p, Tensor x, BlockShape shape, int headWidth, bool causal)
    {
        if (shape.Heads > 0)
        {
            var h = LayerNorm(x, P(s, p + "ln_1.weight"), P(s, p + "ln_1.bias"));
            var w = P(s, p + "attn.in_proj_weight");
            var bias = P(s, p + "attn.in_proj_bias");
            long inner = shape.Heads * headWidth, t = x.shape[0];
            var heads = new List<Tensor>();
            for (int head = 0; head < shape.Heads; head++)
            {
                Tensor Project(int chunk)
                {
                    long start = chunk * inner + head * headWidth;
                    return h.matmul(w.narrow(0, start, headWidth).t()) + bias.narrow(0, start, headWidth);
                }
                var scores = Project(0).matmul(Project(1).t()) / Math.Sqrt(headWidth);
                if (causal) scores = scores.masked_fill(ones(t, t, dtype: @bool).triu(1), double.NegativeInfinity);
                heads.Add(scores.softmax(-1).matmul(Project(2)));
            }
            x = x + cat(heads, 1).matmul(P(s, p + "attn.out_proj.weight").t()) + P(s, p + "attn.out_proj.bias");
        }
        if (shape.MlpWidth > 0)
        {
            var h = LayerNorm(x, P(s, p + "ln_2.weight"), P(s, p + "ln_2.bias"));
            h = Gelu(h.matmul(P(s, p + "mlp.c_fc.weight").t()) + P(s, p + "mlp.c_fc.bias"));
            x = x + h.matmul(P(s, p + "mlp.c_proj.weight").t()) + P(s, p + "mlp.c_proj.bias");
        }
        return x;
    }

    static Tensor ReferenceImage(Dictionary<string, Tensor> s, ClipConfig config, Tensor image)
    {
        var v = config.Vision;
        int patch = v.PatchSize;
        var conv = P(s, "visual.conv1.weight").reshape(v.Width, -1);
        var tokens = new List<Tensor> { P(s, "visual.class_embedding") };
        var img = image.to(float64);
        for (int gy = 0; gy < v.GridSize; gy++)
            for (int gx = 0; gx < v.GridSize; gx++)
                tokens.Add(conv.matmul(img.narrow(1, gy * patch, patch).narrow(2, gx * patch, patch).reshape(-1)));
        var x = stack(tokens) + P(s, "visual.positional_embedding");
        x = LayerNorm(x, P(s, "visual.ln_pre.weight"), P(s, "visual.ln_pre.bias"));
        for (int i = 0; i < v.Layers; i++)
            x = Block(s, $"visual.transformer.resblocks.{i}.", x, v.Tower.Blocks[i], v.HeadWidth, causal: false);
        return LayerNorm(x[0], P(s, "visual.ln_post.weight"), P(s, "visual.ln_post.bias")).matmul(P(s, "visual.proj"));
    }

    static Tensor ReferenceText(Dictionary<string, Tensor> s, ClipConfig config, long[] ids)
    {
        var t = config.Text;
        var x = stack(ids.Select(id => P(s, "token_embedding.weight")[id]).ToArray()) + P(s, "positional_embedding");
        for (int i = 0; i < t.Layers; i++)
            x = Block(s, $"transformer.resblocks.{i}.", x, t.Tower.Blocks[i], t.HeadWidth, causal: true);
        x = LayerNorm(x, P(s, "ln_final.weight"), P(s, "ln_final.bias"));
        int eot = Array.IndexOf(ids, ids.Max());
        return x[eot].matmul(P(s, "text_projection"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Forward_matches_a_naive_reference(bool heterogeneous)
    {
        var config = heterogeneous ? TestModels.Heterogeneous : TestModels.Tiny;
        using var model = ClipModel.Create(config, seed: 17);
        using var scope = NewDisposeScope();
        var state = model.StateDictForSave();
        var images = TestModels.Images(config, 2, 31);
        var tokens = TestModels.Tokens(config, [2, 11], 32);
        var image = model.EncodeImage(images).to(float64);
        var text = model.EncodeText(tokens).to(float64);
        for (int n = 0; n < 2; n++)
        {
            Assert.True(image[n].allclose(ReferenceImage(state, config, images[n]), rtol: 1e-4, atol: 1e-5), $"image {n}");
            Assert.True(text[n].allclose(ReferenceText(state, config, tokens[n].data<long>().ToArray()), rtol: 1e-4, atol: 1e-5), $"text {n}");
        }
    }
}
