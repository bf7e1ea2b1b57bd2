using TinyClip.Data.Ordering;
using TinyClip.Data.Synthetic;
using TinyClip.Data.Tests.Support;

namespace TinyClip.Data.Tests;

public class SyntheticDatasetTests
{
    [Fact]
    public async Task Synth_writes_img2dataset_shards_classes_and_templates_deterministically()
    {
        using var dir = new TempDirectory();
        var options = new SynthOptions(dir.File("out"), TrainCount: 50, ValCount: 20, ImageSize: 32, Seed: 3, RowsPerFile: 20, RowGroupSize: 8);
        var shards = await SyntheticDataset.WriteAsync(options);

        Assert.Equal(3, shards.Count(s => s.Contains($"{Path.DirectorySeparatorChar}train{Path.DirectorySeparatorChar}")));
        Assert.Equal(SyntheticScene.ClassNames, File.ReadAllLines(dir.File("out/classes.txt")));
        Assert.All(File.ReadAllLines(dir.File("out/templates.txt")), t => Assert.Contains("{}", t));

        var pipeline = await Pipelines.OpenAsync(dir.File("out/train"), Pipelines.Settings(batchSize: 10, imageSize: 32));
        Assert.Equal(Data.Layouts.DatasetLayout.Img2Dataset, pipeline.Manifest.Files[0].Columns.Layout);
        var batches = await Pipelines.TakeAsync(pipeline, pipeline.Start, 5);
        Assert.Equal(50, batches.SelectMany(b => b.Keys).Distinct().Count());
        Assert.All(batches.SelectMany(b => b.Labels!), l => Assert.InRange(l, 0, SyntheticScene.ClassNames.Count - 1));

        var again = SyntheticDataset.Row("train", 0, 7, options);
        Assert.Equal(SyntheticDataset.Row("train", 0, 7, options).Jpg, again.Jpg);
        Assert.Contains(SyntheticScene.ClassNames[again.Label!.Value].Split(' ')[1], again.Caption);
    }

    [Fact]
    public void Every_class_is_drawn()
    {
        var labels = Enumerable.Range(0, 2000).Select(i => SyntheticScene.Draw(new DeterministicRandom((ulong)i)).Label).Distinct().Count();
        Assert.Equal(16, labels);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.075)]
    [InlineData(0.2)]
    public void A_position_jitter_keeps_every_centre_within_it_of_the_image_centre(double jitter)
    {
        var scenes = Enumerable.Range(0, 2000).Select(i => SyntheticScene.Draw(new DeterministicRandom((ulong)i), jitter)).ToArray();
        foreach (var scene in scenes)
        {
            var radius = SyntheticScene.RadiusFraction(scene.Size);
            foreach (var centre in new[] { scene.CenterX, scene.CenterY })
            {
                Assert.InRange(Math.Abs(centre - 0.5), 0, jitter + 1e-12);
                Assert.InRange(centre, radius, 1 - radius);
            }
        }
        // The draws are spread over the allowed range, not piled at the centre.
        Assert.True(scenes.Max(s => Math.Abs(s.CenterX - 0.5)) >= 0.9 * jitter);
    }

    [Fact]
    public void The_largest_jitter_places_shapes_anywhere_they_fit()
    {
        var scenes = Enumerable.Range(0, 4000).Select(i => SyntheticScene.Draw(new DeterministicRandom((ulong)i))).ToArray();
        foreach (var scene in scenes)
            Assert.InRange(scene.CenterX, SyntheticScene.RadiusFraction(scene.Size), 1 - SyntheticScene.RadiusFraction(scene.Size));
        // Small shapes (radius 0.2) reach within 0.01 of both limits of [0.2, 0.8].
        var small = scenes.Where(s => s.Size == 0).Select(s => s.CenterX).ToArray();
        Assert.True(small.Min() < 0.21 && small.Max() > 0.79);
    }

    [Fact]
    public async Task A_negative_position_jitter_is_refused()
    {
        using var dir = new TempDirectory();
        var error = await Assert.ThrowsAsync<DataConfigurationException>(() =>
            SyntheticDataset.WriteAsync(new SynthOptions(dir.File("out"), 1, 0, PositionJitter: -0.1)));
        Assert.Contains("position jitter", error.Message);
    }
}
