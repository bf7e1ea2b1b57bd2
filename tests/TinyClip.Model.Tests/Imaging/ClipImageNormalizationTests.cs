using TinyClip.Model.Imaging;
using static TorchSharp.torch;

namespace TinyClip.Model.Tests.Imaging;

public class ClipImageNormalizationTests
{
    [Fact]
    public void Bytes_become_clip_normalised_floats_channel_by_channel()
    {
        // One 2 x 1 image, CHW: R = [255, 0], G = [0, 255], B = [128, 64].
        byte[] pixels = [255, 0, 0, 255, 128, 64];
        using var input = tensor(pixels, new long[] { 1, 3, 1, 2 }, ScalarType.Byte);
        using var normalised = ClipImageNormalization.Apply(input);

        Assert.Equal(ScalarType.Float32, normalised.dtype);
        float Expected(byte value, int c) => (value / 255f - ClipImageNormalization.Mean[c]) / ClipImageNormalization.Std[c];
        float[] expected = [Expected(255, 0), Expected(0, 0), Expected(0, 1), Expected(255, 1), Expected(128, 2), Expected(64, 2)];
        var actual = normalised.data<float>().ToArray();
        for (var i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-6f, $"element {i}: {actual[i]} vs {expected[i]}");
        // White red is (1 - 0.48145466) / 0.26862954.
        Assert.Equal(1.9303361, actual[0], 5);
    }

    [Fact]
    public void Anything_but_a_batch_of_rgb_bytes_is_refused()
    {
        using var floats = zeros(1, 3, 2, 2);
        Assert.Throws<ArgumentException>(() => ClipImageNormalization.Apply(floats));
        using var gray = zeros(new long[] { 1, 1, 2, 2 }, ScalarType.Byte);
        Assert.Throws<ArgumentException>(() => ClipImageNormalization.Apply(gray));
    }
}
