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
        var batches = await Pipelines.TakeAsync(pipeline, Cursor.StartOf(0), 5);
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
}
