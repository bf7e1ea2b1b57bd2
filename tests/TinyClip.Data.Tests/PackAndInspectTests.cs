using System.Text.Json;
using TinyClip.Data.Inspection;
using TinyClip.Data.Packing;
using TinyClip.Data.Quarantine;
using TinyClip.Data.Settings;
using TinyClip.Data.Tests.Support;

namespace TinyClip.Data.Tests;

public class PackAndInspectTests
{
    private static void WriteImages(TempDirectory dir)
    {
        Directory.CreateDirectory(dir.File("img"));
        File.WriteAllBytes(dir.File("img/a.jpg"), TestImages.Jpeg(20, 10));
        File.WriteAllBytes(dir.File("img/b.png"), TestImages.Png(8, 8));
        File.WriteAllBytes(dir.File("img/c.webp"), TestImages.WebP(6, 4));
        File.WriteAllBytes(dir.File("img/broken.jpg"), "not an image"u8.ToArray());
    }

    [Theory]
    [InlineData("captions.tsv", "filepath\ttitle\na.jpg\ta photo\nb.png\tsecond one\nc.webp\tthird\nbroken.jpg\tbroken\nmissing.jpg\tgone\n")]
    [InlineData("captions.csv", "title,filepath\n\"a photo, quoted\",a.jpg\nsecond one,b.png\nthird,c.webp\nbroken,broken.jpg\ngone,missing.jpg\n")]
    [InlineData("captions.jsonl", "{\"image\":\"a.jpg\",\"caption\":\"a photo\"}\n{\"file\":\"b.png\",\"text\":\"second one\"}\n{\"image\":\"c.webp\",\"caption\":\"third\"}\n{\"image\":\"broken.jpg\",\"caption\":\"x\"}\n{\"image\":\"missing.jpg\",\"caption\":\"x\"}\n")]
    public async Task Pack_writes_good_images_and_reports_bad_ones(string captionFile, string captions)
    {
        using var dir = new TempDirectory();
        WriteImages(dir);
        File.WriteAllText(dir.File(captionFile), captions);

        var report = await DatasetPacker.PackAsync(new PackOptions(dir.File("img"), dir.File(captionFile), dir.File("out"), RowsPerFile: 2, RowGroupSize: 1), Pipelines.Shipped.Decode);

        Assert.Equal(3, report.Packed);
        Assert.Equal(2, report.Shards.Count);
        Assert.Equal(["broken.jpg", "missing.jpg"], report.Rejected.Select(r => r.ImagePath));
        var inspected = await DatasetInspector.InspectAsync([dir.File("out")], new ColumnNames(), Pipelines.Shipped);
        Assert.Equal((3L, 3L, 3, "Img2Dataset"), (inspected.Rows, inspected.UsableRows, inspected.RowGroups, inspected.Layout));
        Assert.Equal(new ImageSizeStats(6, 20, 4, 10, 34 / 3.0, 22 / 3.0), inspected.ImageSizes);
    }

    [Fact]
    public async Task Pack_refuses_a_caption_list_without_the_expected_columns()
    {
        using var dir = new TempDirectory();
        WriteImages(dir);
        File.WriteAllText(dir.File("c.csv"), "path,caption\na.jpg,x\n");
        var error = await Assert.ThrowsAsync<DataConfigurationException>(() => DatasetPacker.PackAsync(new PackOptions(dir.File("img"), dir.File("c.csv"), dir.File("out")), Pipelines.Shipped.Decode));
        Assert.Contains("'filepath' and 'title'", error.Message);
    }

    [Fact]
    public async Task Inspect_reports_rows_usable_rows_labels_and_quarantined_files()
    {
        using var dir = new TempDirectory();
        var rows = ParquetFiles.GoodRows(10).ToList();
        rows[2] = rows[2] with { Jpg = [1, 2, 3] };
        rows[3] = rows[3] with { Caption = "" };
        rows[4] = rows[4] with { Status = "failed_to_download", Jpg = null };
        ParquetFiles.Img2Dataset(dir.File("a.parquet"), rows, rowGroupSize: 3);
        File.WriteAllBytes(dir.File("junk.parquet"), [1, 2, 3, 4]);

        var report = await DatasetInspector.InspectAsync([dir.Path], new ColumnNames(), Pipelines.Shipped);

        Assert.Equal((10L, 7L, 4), (report.Rows, report.UsableRows, report.RowGroups));
        Assert.Equal(new Dictionary<int, long> { [0] = 2, [1] = 2, [2] = 1, [3] = 1, [4] = 1 }, report.Labels);
        Assert.Equal([QuarantineKind.File, QuarantineKind.Sample, QuarantineKind.Sample], report.Quarantined.OrderBy(q => q.Kind).Select(q => q.Kind));
        var json = JsonDocument.Parse(JsonSerializer.Serialize(report)).RootElement;
        foreach (var key in new[] { "files", "layout", "rows", "usable_rows", "row_groups", "labels", "quarantined" })
            Assert.True(json.TryGetProperty(key, out _), key);
    }
}
