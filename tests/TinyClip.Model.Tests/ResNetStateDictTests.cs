using TinyClip.Model;
using static TorchSharp.torch;

namespace TinyClip.Model.Tests;

/// <summary>OpenCLIP's ModifiedResNet state-dict names and shapes, their inference back into a config, and a save/load round trip.</summary>
public class ResNetStateDictTests
{
    [Fact]
    public void RN50_layout_has_OpenClips_names_shapes_and_parameter_counts()
    {
        var entries = ClipLayout.Entries(ClipPresets.Get("RN50")).ToDictionary(e => e.Name);
        long[] Shape(string name) => entries[name].Shape;
        Assert.Equal([32L, 3, 3, 3], Shape("visual.conv1.weight"));
        Assert.Equal([32L], Shape("visual.bn1.running_mean"));
        Assert.Equal([64L, 32, 3, 3], Shape("visual.conv3.weight"));
        Assert.Equal([64L, 64, 1, 1], Shape("visual.layer1.0.conv1.weight"));
        Assert.Equal([256L, 64, 1, 1], Shape("visual.layer1.0.downsample.0.weight"));
        Assert.Equal([256L], Shape("visual.layer1.0.downsample.1.running_var"));
        Assert.False(entries.ContainsKey("visual.layer1.1.downsample.0.weight"));
        Assert.Equal([512L, 256, 1, 1], Shape("visual.layer2.0.downsample.0.weight"));
        Assert.Equal([512L, 2048, 1, 1], Shape("visual.layer4.2.conv1.weight"));
        Assert.Equal([2048L, 512, 1, 1], Shape("visual.layer4.2.conv3.weight"));
        Assert.False(entries.ContainsKey("visual.layer4.3.conv1.weight"));
        Assert.Equal([50L, 2048], Shape("visual.attnpool.positional_embedding"));
        Assert.Equal([2048L, 2048], Shape("visual.attnpool.q_proj.weight"));
        Assert.Equal([1024L, 2048], Shape("visual.attnpool.c_proj.weight"));
        Assert.Empty(Shape("visual.layer3.5.bn2.num_batches_tracked"));
        Assert.True(entries["visual.layer3.5.bn2.num_batches_tracked"].Buffer);
        // 3 in the stem, 3 in each of 16 blocks, 1 in each of 4 shortcuts: 55 BatchNorms of 3 buffers each.
        Assert.Equal(55 * 3, entries.Values.Count(e => e.Buffer));
        // OpenCLIP's model profile lists RN50 at 38.32M image and 63.69M text parameters.
        var counts = ClipLayout.Count(ClipPresets.Get("RN50"));
        Assert.Equal(38.32, Math.Round(counts.Image / 1e6, 2));
        Assert.Equal(63.69, Math.Round(counts.Text / 1e6, 2));
    }

    [Fact]
    public void Real_state_dict_equals_the_layout_with_buffers_marked()
    {
        var config = ClipPresets.Get("tiny-resnet-test");
        using var model = ClipModel.Create(config, seed: 1);
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        var buffers = model.named_buffers().ToDictionary(b => b.name, b => b.buffer.shape);
        var expected = ClipLayout.Entries(config);
        Assert.Equal(expected.Where(e => !e.Buffer).Select(e => e.Name).Order(), parameters.Keys.Order());
        Assert.Equal(expected.Where(e => e.Buffer).Select(e => e.Name).Order(), buffers.Keys.Order());
        foreach (var e in expected)
            Assert.True((e.Buffer ? buffers : parameters)[e.Name].SequenceEqual(e.Shape), e.Name);
        Assert.Equal(model.ParameterCounts(), config.ParameterCounts());
    }

    [Theory]
    [InlineData("RN50")]
    [InlineData("TinyCLIP-ResNet-19M-Text-19M")]
    [InlineData("TinyCLIP-ResNet-30M-Text-29M")]
    [InlineData("tiny-resnet-test")]
    public void Architecture_is_inferred_from_the_shapes(string preset)
    {
        var config = ClipPresets.Get(preset);
        var shapes = ClipLayout.Entries(config).ToDictionary(e => e.Name, e => e.Shape);
        Assert.Equal(config, StateDictArchitecture.Infer(shapes, ArchitectureHints.From(config)));
    }

    [Fact]
    public void Saved_model_loads_back_with_equal_outputs_and_statistics()
    {
        var config = ClipPresets.Get("tiny-resnet-test");
        using var model = TestModels.Randomised(config);
        model.train();
        using (var scope = NewDisposeScope()) model.EncodeImage(TestModels.Images(config, 2, 3)); // moves the running statistics and counters
        model.eval();
        var path = TestModels.TempFile(".safetensors");
        try
        {
            ClipCheckpoint.Save(model, path);
            using var loaded = ClipCheckpoint.LoadModel(path);
            loaded.eval();
            Assert.Equal(config, loaded.Config);
            using var scope = NewDisposeScope();
            var images = TestModels.Images(config, 2, 7);
            Assert.True(TestModels.BitwiseEqual(model.EncodeImage(images), loaded.EncodeImage(images)));
            var state = loaded.StateDictForSave();
            Assert.Equal(ScalarType.Int64, state["visual.layer2.0.downsample.1.num_batches_tracked"].dtype);
            Assert.Equal(1L, state["visual.layer2.0.downsample.1.num_batches_tracked"].item<long>());
            var original = model.StateDictForSave();
            foreach (var (name, tensor) in original) Assert.True(TestModels.BitwiseEqual(tensor, state[name]), name);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
