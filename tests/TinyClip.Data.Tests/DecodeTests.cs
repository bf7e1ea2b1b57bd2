using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TinyClip.Data.Imaging;
using TinyClip.Data.Ordering;
using TinyClip.Data.Pipeline;
using TinyClip.Data.Tests.Support;

namespace TinyClip.Data.Tests;

public class DecodeTests
{
    [Fact]
    public void Pixels_are_written_as_bytes_plane_by_plane()
    {
        using var image = new Image<Rgb24>(2, 1);
        image[0, 0] = new Rgb24(255, 0, 128);
        image[1, 0] = new Rgb24(0, 255, 64);
        var chw = new byte[6];
        ChwPixels.Write(image, chw);
        Assert.Equal([255, 0, 0, 255, 128, 64], chw);
    }

    [Fact]
    public async Task Eval_images_already_at_target_size_keep_their_pixels()
    {
        using var dir = new TempDirectory();
        var png = TestImages.Png(8, 8, seed: 4);
        ParquetFiles.Img2Dataset(dir.File("a.parquet"), [ParquetFiles.GoodRow(0) with { Jpg = png }]);
        var pipeline = await Pipelines.OpenAsync(dir.Path, Pipelines.Settings(batchSize: 1, imageSize: 8), mode: TransformMode.Eval);
        var batch = Assert.Single(await Pipelines.TakeAsync(pipeline, pipeline.Start, 1));

        using var original = Image.Load<Rgb24>(png);
        var expected = new byte[3 * 8 * 8];
        ChwPixels.Write(original, expected);
        Assert.Equal(expected, batch.Images.ToArray());
    }

    [Fact]
    public void Eval_transform_resizes_the_shorter_side_and_crops_the_centre()
    {
        using var image = TestImages.Gradient(30, 20);
        new ResizeCenterCrop(10).Apply(image);
        Assert.Equal((10, 10), (image.Width, image.Height));
    }

    [Fact]
    public void Random_resized_crop_is_reproducible_per_seed_and_stays_in_bounds()
    {
        var crop = new RandomResizedCrop(16, 0.9, 1.0);
        var crops = Enumerable.Range(0, 200).Select(i => crop.ChooseCrop(40, 30, new DeterministicRandom((ulong)i))).ToList();
        Assert.Equal(crops, Enumerable.Range(0, 200).Select(i => crop.ChooseCrop(40, 30, new DeterministicRandom((ulong)i))));
        Assert.All(crops, r => Assert.True(r.X >= 0 && r.Y >= 0 && r.Right <= 40 && r.Bottom <= 30));
        Assert.All(crops, r => Assert.InRange((double)r.Width * r.Height / (40 * 30), 0.85, 1.0));
        Assert.True(crops.Distinct().Count() > 10);
    }

    [Fact]
    public async Task Train_crops_depend_on_seed_epoch_and_sample_only()
    {
        using var dir = new TempDirectory();
        ParquetFiles.Img2Dataset(dir.File("a.parquet"), Enumerable.Range(0, 4).Select(i => ParquetFiles.GoodRow(i) with { Jpg = TestImages.Jpeg(40, 24, i) }).ToArray());
        var pipeline = await Pipelines.OpenAsync(dir.Path, Pipelines.Settings(batchSize: 4, imageSize: 16));
        var first = await Pipelines.TakeAsync(pipeline, pipeline.Start, 2);
        var again = await Pipelines.TakeAsync(pipeline, pipeline.Start, 2);
        Assert.Equal(first[0].Images.ToArray(), again[0].Images.ToArray());
        Assert.Equal(1, first[1].Cursor.Epoch);
        Assert.NotEqual(first[0].Images.ToArray(), first[1].Images.ToArray());
    }

    [Theory]
    [InlineData("jpeg")]
    [InlineData("png")]
    [InlineData("webp")]
    public void Accepted_formats_decode(string format)
    {
        var bytes = format switch { "jpeg" => TestImages.Jpeg(), "png" => TestImages.Png(), _ => TestImages.WebP() };
        using var image = new ImageDecoder(Support.Pipelines.Shipped.Decode).Decode(bytes);
        Assert.Equal((12, 10), (image.Width, image.Height));
    }
}
