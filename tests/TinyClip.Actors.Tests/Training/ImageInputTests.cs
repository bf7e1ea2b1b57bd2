using TinyClip.Actors.Training;
using TinyClip.Data.Pipeline;
using TinyClip.Model.Imaging;
using static TorchSharp.torch;

namespace TinyClip.Actors.Tests.Training;

public class ImageInputTests
{
    [Fact]
    public void Rows_in_several_blocks_reach_the_device_as_one_normalised_batch_in_row_order()
    {
        const int size = 4, rowBytes = 3 * size * size;
        var bytes = new byte[5 * rowBytes];
        new Random(1).NextBytes(bytes);
        var oneBlock = new ImageRows(size, [bytes]);
        // The same rows as blocks of 2, 1 and 2 rows (as a node's rows arrive from several lanes), sliced from the middle.
        var blocks = new ImageRows(size, [bytes.AsMemory(0, 2 * rowBytes), bytes.AsMemory(2 * rowBytes, rowBytes), bytes.AsMemory(3 * rowBytes)]);

        using var whole = ImageInput.ToDevice(oneBlock, CPU);
        using var pieces = ImageInput.ToDevice(blocks.Slice(1, 3), CPU);
        using var expected = ClipImageNormalization.Apply(tensor(bytes, new long[] { 5, 3, size, size }, ScalarType.Byte));

        Assert.Equal(new long[] { 5, 3, size, size }, whole.shape);
        Assert.Equal(expected.data<float>().ToArray(), whole.data<float>().ToArray());
        Assert.Equal(expected.narrow(0, 1, 3).contiguous().data<float>().ToArray(), pieces.data<float>().ToArray());
    }
}
