using TinyClip.Model;
using static TorchSharp.torch;

namespace TinyClip.Model.Tests.Inheritance;

/// <summary>Manual inheritance into a ModifiedResNet student, as TinyCLIP's inheritance code does it for its RN50 teacher.</summary>
public class ResNetInheritanceTests
{
    static readonly TextConfig Text = new(4, 10, TowerShape.Uniform(8, 2, 4, 2, 16));

    // RN50's stage depths at stem width 8 (attention pool: 16 heads of 16), embed dim 12.
    static readonly ClipConfig Source = new(12, VisionConfig.ModifiedResNet(64, new ResNetDepths(3, 4, 6, 3), 8, 16), Text);

    // Half the stem width, fewer blocks in three stages, a smaller embed dim.
    static readonly ClipConfig Target = new(8, VisionConfig.ModifiedResNet(64, new ResNetDepths(3, 2, 3, 1), 4, 16), Text);

    static ClipModel NumberedSource() => TestModels.Numbered(Source);

    /// <summary>The source block of target block <paramref name="block"/> in a stage of the given depths, written out per stage.</summary>
    static readonly Dictionary<string, int[]> ExpectedBlocks = new()
    {
        ["visual.layer1"] = [0, 1, 2],   // 3 -> 3: all
        ["visual.layer2"] = [0, 2],      // 4 -> 2: step 2
        ["visual.layer3"] = [0, 2, 4],   // 6 -> 3: step 2
        ["visual.layer4"] = [0],         // 3 -> 1: the first
    };

    static string SourceName(string name)
    {
        var parts = name.Split('.');
        if (parts.Length < 4 || !ExpectedBlocks.TryGetValue($"{parts[0]}.{parts[1]}", out var blocks)) return name;
        parts[2] = blocks[int.Parse(parts[2])].ToString();
        return string.Join('.', parts);
    }

    [Fact]
    public void Student_has_the_target_shapes_and_the_leading_slices_of_the_chosen_blocks()
    {
        using var source = NumberedSource();
        using var student = ManualInheritance.Inherit(source, Target);
        using var scope = NewDisposeScope();
        var s = source.StateDictForSave();
        var t = student.StateDictForSave();
        var layout = ClipLayout.Entries(Target);
        Assert.Equal(layout.Select(e => e.Name).Order(), t.Keys.Order());
        foreach (var entry in layout)
        {
            var inherited = t[entry.Name];
            Assert.True(inherited.shape.SequenceEqual(entry.Shape), entry.Name);
            var region = s[SourceName(entry.Name)];
            for (int axis = 0; axis < entry.Shape.Length; axis++) region = region.narrow(axis, 0, entry.Shape[axis]);
            Assert.True(TestModels.BitwiseEqual(region.contiguous(), inherited), $"{entry.Name} from {SourceName(entry.Name)}");
        }
        // Spot checks with the numbers written out: stage 3's second block comes from the source's third (block 2),
        // conv1 of the stem keeps 2 of 4 output channels, all 3 input channels and full 3x3 kernels.
        Assert.Equal(s["visual.layer3.2.bn1.bias"][0].item<float>(), t["visual.layer3.1.bn1.bias"][0].item<float>());
        Assert.NotEqual(s["visual.layer3.1.bn1.bias"][0].item<float>(), t["visual.layer3.1.bn1.bias"][0].item<float>());
        Assert.Equal([2L, 3, 3, 3], t["visual.conv1.weight"].shape);
        Assert.Equal(s["visual.conv1.weight"][1, 2, 2, 2].item<float>(), t["visual.conv1.weight"][1, 2, 2, 2].item<float>());
        // The attention pool: 128 of 256 feature channels (8 of 16 heads), 8 of 12 embedding outputs, all 5 positions.
        Assert.Equal([5L, 128], t["visual.attnpool.positional_embedding"].shape);
        Assert.Equal([8L, 128], t["visual.attnpool.c_proj.weight"].shape);
        Assert.Equal(s["visual.layer4.0.downsample.1.num_batches_tracked"].item<long>(), t["visual.layer4.0.downsample.1.num_batches_tracked"].item<long>());
    }

    [Fact]
    public void Inherited_student_runs_in_eval_mode()
    {
        using var teacher = TestModels.Randomised(Source);
        using var student = ManualInheritance.Inherit(teacher, Target);
        student.eval();
        using var scope = NewDisposeScope();
        var embeddings = student.EncodeImage(TestModels.Images(Target, 2, 5));
        Assert.Equal([2L, 8], embeddings.shape);
        Assert.True(embeddings.isfinite().all().item<bool>());
    }

    [Fact]
    public void The_TinyClip_ResNet_students_are_sub_shapes_of_RN50()
    {
        var rn50 = ClipPresets.Get("RN50");
        ManualInheritance.EnsureSubShape(rn50, ClipPresets.Get("TinyCLIP-ResNet-30M-Text-29M"));
        ManualInheritance.EnsureSubShape(rn50, ClipPresets.Get("TinyCLIP-ResNet-19M-Text-19M"));
        var wider = Assert.Throws<ArgumentException>(() => ManualInheritance.EnsureSubShape(ClipPresets.Get("TinyCLIP-ResNet-19M-Text-19M"), rn50));
        Assert.Contains("image tower width: target 64 > source 44", wider.Message);
        var kind = Assert.Throws<ArgumentException>(() => ManualInheritance.EnsureSubShape(rn50, ClipPresets.Get("ViT-B-32") with { EmbedDim = 1024 }));
        Assert.Contains("image tower kind: target ViT != source ModifiedResNet", kind.Message);
    }

    [Fact]
    public void Automatic_inheritance_refuses_a_ResNet_clearly()
    {
        using var model = ClipModel.Create(Target, seed: 2);
        var e = Assert.Throws<NotSupportedException>(() => MaskedStudent.Create(model, new MaskSettings(new SparsityRamp(0, 0.5, 10))));
        Assert.Contains("ModifiedResNet", e.Message);
    }
}
