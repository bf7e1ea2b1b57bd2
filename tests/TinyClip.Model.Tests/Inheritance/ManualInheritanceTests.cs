using TinyClip.Model;
using static TorchSharp.torch;

namespace TinyClip.Model.Tests.Inheritance;

public class ManualInheritanceTests
{
    // Source: image width 8 (4 heads of 2, MLP 16, 3 layers), text width 8 (4 heads of 2, MLP 16, 4 layers), embed 6.
    static readonly ClipConfig Source = new(6,
        new VisionConfig(16, 8, TowerShape.Uniform(8, 3, 4, 2, 16)),
        new TextConfig(4, 10, TowerShape.Uniform(8, 4, 4, 2, 16)));

    // Target: image narrower (width 4, 2 heads, MLP 8), text shallower (2 layers), embed 4.
    static readonly ClipConfig Target = new(4,
        new VisionConfig(16, 8, TowerShape.Uniform(4, 3, 2, 2, 8)),
        new TextConfig(4, 10, TowerShape.Uniform(8, 2, 4, 2, 16)));

    static ClipModel NumberedSource() => TestModels.Numbered(Source);

    [Theory]
    [InlineData(12, 9, new[] { 0, 1, 2, 3, 4, 5, 6, 7, 8 })]
    [InlineData(12, 6, new[] { 0, 2, 4, 6, 8, 10 })]
    [InlineData(6, 3, new[] { 0, 2, 4 })]
    [InlineData(4, 2, new[] { 0, 2 })]
    public void Layers_are_taken_interval_front(int source, int target, int[] expected) =>
        Assert.Equal(expected, ManualInheritance.SelectLayers(source, target));

    [Fact]
    public void Packed_in_proj_keeps_whole_leading_heads_of_q_k_and_v()
    {
        using var source = NumberedSource();
        using var student = ManualInheritance.Inherit(source, Target);
        using var scope = NewDisposeScope();
        var s = source.StateDictForSave();
        var t = student.StateDictForSave();
        var sw = s["visual.transformer.resblocks.1.attn.in_proj_weight"]; // (3*4*2, 8): row = part*8 + head*2 + j
        var tw = t["visual.transformer.resblocks.1.attn.in_proj_weight"]; // (3*2*2, 4): row = part*4 + head*2 + j
        Assert.Equal([12L, 4], tw.shape);
        // k (part 1), head 1, j 1, column 3: target row 4+2+1 = 7, source row 8+2+1 = 11.
        Assert.Equal(sw[11, 3].item<float>(), tw[7, 3].item<float>());
        // v (part 2), head 0, j 0, column 0: target row 8, source row 16 (not row 8, which is k's head 0).
        Assert.Equal(sw[16, 0].item<float>(), tw[8, 0].item<float>());
        Assert.NotEqual(sw[8, 0].item<float>(), tw[8, 0].item<float>());
        var sb = s["visual.transformer.resblocks.1.attn.in_proj_bias"];
        var tb = t["visual.transformer.resblocks.1.attn.in_proj_bias"];
        Assert.Equal(new[] { 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19 }.Select(i => sb[i].item<float>()), tb.data<float>().ToArray());
    }

    [Fact]
    public void Other_tensors_keep_their_leading_slice_and_text_blocks_come_from_every_second_layer()
    {
        using var source = NumberedSource();
        using var student = ManualInheritance.Inherit(source, Target);
        using var scope = NewDisposeScope();
        var s = source.StateDictForSave();
        var t = student.StateDictForSave();
        Assert.Equal(Target, student.Config);
        void Slice(string name, string? sourceName = null)
        {
            var expected = s[sourceName ?? name];
            var actual = t[name];
            for (int axis = 0; axis < actual.dim(); axis++) expected = expected.narrow(axis, 0, actual.shape[axis]);
            Assert.True(TestModels.BitwiseEqual(expected.contiguous(), actual), name);
        }
        Slice("visual.conv1.weight");                                     // first 4 output channels
        Slice("visual.class_embedding");
        Slice("visual.positional_embedding");                             // (5, 8) -> (5, 4)
        Slice("visual.proj");                                             // (8, 6) -> (4, 4)
        Slice("visual.transformer.resblocks.2.attn.out_proj.weight");     // (8, 8) -> (4, 4): 2 heads of 2
        Slice("visual.transformer.resblocks.2.mlp.c_fc.weight");          // (16, 8) -> (8, 4)
        Slice("visual.transformer.resblocks.2.mlp.c_proj.weight");        // (8, 16) -> (4, 8)
        Slice("visual.transformer.resblocks.0.ln_1.weight");
        Slice("text_projection");                                         // (8, 6) -> (8, 4)
        Slice("transformer.resblocks.1.mlp.c_fc.weight", "transformer.resblocks.2.mlp.c_fc.weight");
        Slice("transformer.resblocks.1.attn.in_proj_weight", "transformer.resblocks.2.attn.in_proj_weight");
        Assert.Equal(s["visual.proj"][3, 2].item<float>(), t["visual.proj"][3, 2].item<float>());
        Assert.Equal(s["visual.conv1.weight"][3, 2, 7, 7].item<float>(), t["visual.conv1.weight"][3, 2, 7, 7].item<float>());
        Assert.Equal(s["transformer.resblocks.2.ln_2.bias"][5].item<float>(), t["transformer.resblocks.1.ln_2.bias"][5].item<float>());
    }

    [Fact]
    public void Inheriting_the_same_shape_reproduces_the_model()
    {
        using var source = ClipModel.Create(TestModels.Tiny, seed: 5);
        using var copy = ManualInheritance.Inherit(source, TestModels.Tiny);
        using var scope = NewDisposeScope();
        var images = TestModels.Images(TestModels.Tiny, 2, 1);
        Assert.True(TestModels.BitwiseEqual(source.EncodeImage(images), copy.EncodeImage(images)));
    }

    [Theory]
    [InlineData("wider", "image tower width: target 16 > source 8")]
    [InlineData("more heads", "text tower block 0 (from source block 0) heads: target 8 > source 4")]
    [InlineData("deeper", "text tower layers: target 5 > source 4")]
    [InlineData("head width", "image tower head width: target 4 != source 2")]
    [InlineData("patch", "image tower patch size: target 4 != source 8")]
    [InlineData("context", "text tower context length: target 8 != source 4")]
    [InlineData("vocab", "text tower vocabulary size: target 11 > source 10")]
    public void A_target_that_is_not_a_sub_shape_is_a_clear_error(string change, string message)
    {
        var target = change switch
        {
            "wider" => Target with { Vision = Target.Vision with { Tower = TowerShape.Uniform(16, 3, 8, 2, 8) } },
            "more heads" => Target with { Text = Target.Text with { Tower = TowerShape.Uniform(16, 2, 8, 2, 16) } },
            "deeper" => Target with { Text = Target.Text with { Tower = TowerShape.Uniform(8, 5, 4, 2, 16) } },
            "head width" => Target with { Vision = Target.Vision with { Tower = TowerShape.Uniform(4, 3, 1, 4, 8) } },
            "patch" => Target with { Vision = Target.Vision with { PatchSize = 4 } },
            "context" => Target with { Text = Target.Text with { ContextLength = 8 } },
            _ => Target.WithVocabSize(11),
        };
        using var source = ClipModel.Create(Source, seed: 1);
        var error = Assert.Throws<ArgumentException>(() => ManualInheritance.Inherit(source, target));
        Assert.Contains(message, error.Message);
    }
}
