using Parquet;
using TinyClip.Data.Layouts;
using TinyClip.Data.Ordering;
using TinyClip.Data.Quarantine;
using TinyClip.Data.Settings;
using TinyClip.Data.Tests.Support;
using TinyClip.Data.Writing;

namespace TinyClip.Data.Tests;

public class FormatTests
{
    [Theory]
    [InlineData(CompressionMethod.None, 1)]
    [InlineData(CompressionMethod.Snappy, 3)]
    [InlineData(CompressionMethod.Gzip, 7)]
    [InlineData(CompressionMethod.Zstd, 100)]
    public async Task Img2dataset_shards_are_read_with_any_compression_and_row_group_size(CompressionMethod compression, int rowGroupSize)
    {
        using var dir = new TempDirectory();
        ParquetFiles.Img2Dataset(dir.File("a.parquet"), ParquetFiles.GoodRows(12), rowGroupSize, compression);
        var pipeline = await Pipelines.OpenAsync(dir.Path, Pipelines.Settings(batchSize: 4));

        Assert.Equal(DatasetLayout.Img2Dataset, pipeline.Manifest.Files[0].Columns.Layout);
        Assert.Equal((12 + rowGroupSize - 1) / rowGroupSize, pipeline.Manifest.RowGroups.Count);
        var batches = await Pipelines.TakeAsync(pipeline, pipeline.Start, 3);
        Assert.Equal(Enumerable.Range(0, 12).Select(i => $"k{i:D5}").Order(), batches.SelectMany(b => b.Keys).Order());
        Assert.All(batches, b => Assert.Equal(4 * 3 * 8 * 8, b.Images.TotalBytes));
        Assert.All(batches, b => Assert.Equal(4 * 8, b.Tokens.Length));
    }

    [Fact]
    public async Task Img2dataset_rows_not_downloaded_or_without_image_are_skipped_and_counted()
    {
        using var dir = new TempDirectory();
        var rows = ParquetFiles.GoodRows(8).ToList();
        rows[1] = rows[1] with { Status = "failed_to_download", Jpg = null, ErrorMessage = "404" };
        rows[5] = rows[5] with { Jpg = null };
        ParquetFiles.Img2Dataset(dir.File("a.parquet"), rows);
        var quarantine = new QuarantineLog(dir.File("q.jsonl"));
        var pipeline = await Pipelines.OpenAsync(dir.Path, Pipelines.Settings(batchSize: 3), quarantine);

        var batches = await Pipelines.TakeAsync(pipeline, pipeline.Start, 2);

        Assert.DoesNotContain(batches.SelectMany(b => b.Keys), k => k is "k00001" or "k00005");
        Assert.Equal(1, quarantine.Count(QuarantineKind.NotDownloaded));
        Assert.Equal(1, quarantine.Count(QuarantineKind.Sample));
        // Not-downloaded rows are counted but, being common, not written.
        Assert.Single(File.ReadAllLines(dir.File("q.jsonl")));
    }

    [Fact]
    public async Task Labels_are_kept()
    {
        using var dir = new TempDirectory();
        ParquetFiles.Img2Dataset(dir.File("a.parquet"), ParquetFiles.GoodRows(8));
        var pipeline = await Pipelines.OpenAsync(dir.Path, Pipelines.Settings(batchSize: 4));
        var batches = await Pipelines.TakeAsync(pipeline, pipeline.Start, 2);
        foreach (var batch in batches)
            for (var i = 0; i < batch.Count; i++)
                Assert.Equal(int.Parse(batch.Keys[i][1..]) % 5, batch.Labels![i]);
    }

    [Fact]
    public async Task Hugging_face_nested_nulls_are_told_apart()
    {
        using var dir = new TempDirectory();
        await ParquetFiles.HuggingFaceAsync(dir.File("train-00000-of-00001.parquet"),
        [
            new(false, TestImages.Png(), null, "image present, path null"),
            new(true, null, null, "whole image struct null"),
            new(false, null, "x.jpg", "bytes null, path present"),
            new(false, TestImages.Jpeg(), "y.jpg", "both present"),
            new(false, TestImages.WebP(), null, "webp, path null"),
            new(false, TestImages.Jpeg(seed: 3), "z.jpg", null),
        ]);
        var quarantined = new List<QuarantineEntry>();
        var quarantine = new QuarantineLog(quarantined);
        var pipeline = await Pipelines.OpenAsync(dir.Path, Pipelines.Settings(batchSize: 3), quarantine);

        Assert.Equal(DatasetLayout.HuggingFace, pipeline.Manifest.Files[0].Columns.Layout);
        Assert.Equal(["image", "bytes"], pipeline.Manifest.Files[0].Columns.ImagePath);
        var batch = Assert.Single(await Pipelines.TakeAsync(pipeline, pipeline.Start, 1));
        Assert.Equal(["train-00000-of-00001/0/0", "train-00000-of-00001/0/3", "train-00000-of-00001/0/4"], batch.Keys.Order());
        Assert.Equal(3, quarantine.Count(QuarantineKind.Sample));
        Assert.Contains(quarantined, e => e.Row == 1 && e.Reason == "image is null");
        Assert.Contains(quarantined, e => e.Row == 2 && e.Reason == "image is null");
        Assert.Contains(quarantined, e => e.Row == 5 && e.Reason.Contains("caption"));
    }

    [Fact]
    public async Task Hugging_face_caption_column_may_be_called_caption()
    {
        using var dir = new TempDirectory();
        await ParquetFiles.HuggingFaceAsync(dir.File("a.parquet"), [new(false, TestImages.Png(), null, "one"), new(false, TestImages.Png(), null, "two")], "caption");
        var pipeline = await Pipelines.OpenAsync(dir.Path, Pipelines.Settings(batchSize: 2));
        Assert.Equal("caption", pipeline.Manifest.Files[0].Columns.CaptionColumn);
        Assert.Single(await Pipelines.TakeAsync(pipeline, pipeline.Start, 1));
    }

    [Fact]
    public async Task Laion_style_columns_are_detected()
    {
        using var dir = new TempDirectory();
        await ParquetFiles.ColumnsAsync(dir.File("laion.parquet"),
            ("SAMPLE_ID", new long[] { 10, 11, 12, 13 }),
            ("URL", new[] { "u0", "u1", "u2", "u3" }),
            ("TEXT", new[] { "a", "b", "c", "d" }),
            ("image", new[] { TestImages.Jpeg(), TestImages.Png(), TestImages.WebP(), TestImages.Jpeg(seed: 2) }));
        var pipeline = await Pipelines.OpenAsync(dir.Path, Pipelines.Settings(batchSize: 4));
        Assert.Equal(DatasetLayout.Laion, pipeline.Manifest.Files[0].Columns.Layout);
        var batch = Assert.Single(await Pipelines.TakeAsync(pipeline, pipeline.Start, 1));
        Assert.Equal(["10", "11", "12", "13"], batch.Keys.Order());
        Assert.Null(batch.Labels);
    }

    [Fact]
    public async Task User_named_columns_are_used()
    {
        using var dir = new TempDirectory();
        await ParquetFiles.ColumnsAsync(dir.File("custom.parquet"),
            ("pixels", new[] { TestImages.Jpeg(), TestImages.Png() }),
            ("description", new[] { "first", "second" }),
            ("cls", new int?[] { 3, 4 }));
        var settings = Pipelines.Settings(batchSize: 2, columns: new ColumnNames(Image: "pixels", Caption: "description", Label: "cls"));
        var pipeline = await Pipelines.OpenAsync(dir.Path, settings);
        Assert.Equal(DatasetLayout.Custom, pipeline.Manifest.Files[0].Columns.Layout);
        var batch = Assert.Single(await Pipelines.TakeAsync(pipeline, pipeline.Start, 1));
        Assert.Equal([3, 4], batch.Labels!.Order());
    }

    [Fact]
    public async Task A_directory_and_a_glob_of_many_files_are_read()
    {
        using var dir = new TempDirectory();
        for (var f = 0; f < 3; f++) ParquetFiles.Img2Dataset(dir.File($"part-{f}.parquet"), ParquetFiles.GoodRows(4, $"f{f}-"));
        File.WriteAllText(dir.File("notes.txt"), "not a shard");

        var all = await Pipelines.OpenAsync(dir.Path, Pipelines.Settings());
        var globbed = await Pipelines.OpenAsync(Path.Combine(dir.Path, "part-?.parquet"), Pipelines.Settings());

        Assert.Equal(3, all.Manifest.Files.Count);
        Assert.Equal(12, all.Manifest.TotalRows);
        Assert.Equal(3, globbed.Manifest.Files.Count);
        Assert.Equal(all.Manifest.ContentHash, globbed.Manifest.ContentHash);
    }
}
