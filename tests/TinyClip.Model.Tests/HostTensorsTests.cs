using TinyClip.Model;
using static TorchSharp.torch;

namespace TinyClip.Model.Tests;

public sealed class HostTensorsTests
{
    [Fact]
    public void Floats_hold_the_values_in_the_shape_given()
    {
        var values = Enumerable.Range(0, 12).Select(i => i * 0.25f - 1f).ToArray();
        using var tensor = HostTensors.Floats(values, 3, 4);
        Assert.Equal([3L, 4L], tensor.shape);
        Assert.Equal(ScalarType.Float32, tensor.dtype);
        Assert.Equal(values, tensor.data<float>().ToArray());
        Assert.Equal(values[5], tensor[1, 1].item<float>());
    }

    [Fact]
    public void Floats_are_a_copy_that_no_later_change_of_the_array_reaches()
    {
        var values = new[] { 1f, 2f, 3f, 4f, 5f, 6f };
        using var tensor = HostTensors.Floats(values.AsSpan(2, 4), 2, 2);
        values[2] = 100f;
        Assert.Equal([3f, 4f, 5f, 6f], tensor.data<float>().ToArray());
    }

    [Fact]
    public void Floats_refuse_a_count_that_is_not_the_shape_s()
    {
        var error = Assert.Throws<ArgumentException>(() => HostTensors.Floats(new float[5], 2, 3));
        Assert.Contains("5 values for a tensor of shape [2, 3]", error.Message);
    }
}
