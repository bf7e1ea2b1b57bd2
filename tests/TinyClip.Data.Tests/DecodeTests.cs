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
    public void Normalisation_uses_openai_mean_and_std_in_chw_order()
    {
        using var image = new Image<Rgb24>(2, 1);
        image[0, 0] = new Rgb24(255, 0, 128);
        image[1, 0] = new Rgb24(0, 255, 64);
        var chw = new float[6];
        ChwNormalizer.Write(image, chw);
        float Expected(byte value, int c) => (value / 255f - ChwNormalizer.Mean[c]) / ChwNormalizer.Std[c];
        Assert.Equal([Expected(255, 0), Expected(0, 0), Expected(0, 1), Expected(255, 1), Expected(128, 2), Expected(64, 2)], chw, (a, b) => Math.Abs(a - b) < 1e-5f);
    }

    [Fact]
    public async Task Eval_images_already_at_target_size_are_only_normalised()
    {
        using var dir = new TempDirectory();
        var png = TestImages.Png(8, 8, seed: 4);
        ParquetFiles.Img2Dataset(dir.File("a.parquet"), [ParquetFiles.GoodRow(0) with { Jpg = png }]);
        var pipeline = await Pipelines.OpenAsync(dir.Path, Pipelines.Settings(batchSize: 1, imageSize: 8), mode: TransformMode.Eval);
        var batch = Assert.Single(await Pipelines.TakeAsync(pipeline, Cursor.StartOf(0), 1));

        using var original = Image.Load<Rgb24>(png);
        var expected = new float[3 * 8 * 8];
        ChwNormalizer.Write(original, expected);
        Assert.Equal(expected, batch.Images);
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
        var first = await Pipelines.TakeAsync(pipeline, Cursor.StartOf(0), 2);
        var again = await Pipelines.TakeAsync(pipeline, Cursor.StartOf(0), 2);
        Assert.Equal(first[0].Images, again[0].Images);
        Assert.Equal(1, first[1].Cursor.Epoch);
        Assert.NotEqual(first[0].Images, first[1].Images);
    }

    [Theory]
    [InlineData("jpeg")]
    [InlineData("png")]
    [InlineData("webp")]
    public void Accepted_formats_decode(string format)
    {
        var bytes = format switch { "jpeg" => TestImages.Jpeg(), "png" => TestImages.Png(), _ => TestImages.WebP() };
        using var image = new ImageDecoder(new Settings.DecodeSettings()).Decode(bytes);
        Assert.Equal((12, 10), (image.Width, image.Height));
    }
}
