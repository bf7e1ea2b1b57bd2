using System.Text.Json;
using TinyClip.Data.Imaging;
using TinyClip.Data.Manifest;
using TinyClip.Data.Ordering;
using TinyClip.Data.Quarantine;
using TinyClip.Data.Settings;
using TinyClip.Data.Tests.Support;

namespace TinyClip.Data.Tests;

public class BadInputTests
{
    public static TheoryData<string, byte[], string> BadImages() => new()
    {
        { "corrupt jpeg", CorruptJpeg(), "" },
        { "truncated png", TestImages.Png(40, 40)[..60], "" },
        { "truncated jpeg", TestImages.Jpeg(40, 40)[..200], "" },
        { "zero-length bytes", [], "image bytes are empty" },
        { "non-image bytes", "this is plain text, not an image"u8.ToArray(), "not a JPEG, PNG or WebP image" },
        { "bmp is not an accepted format", TestImages.Bmp(), "not a JPEG, PNG or WebP image" },
        { "decompression bomb", TestImages.PngHeaderClaiming(100_000, 100_000), "above the limit" },
    };

    [Theory]
    [MemberData(nameof(BadImages))]
    public async Task A_bad_image_is_skipped_quarantined_and_replaced(string what, byte[] bytes, string reason)
    {
        using var dir = new TempDirectory();
        var rows = ParquetFiles.GoodRows(9).ToList();
        rows[4] = rows[4] with { Jpg = bytes };
        ParquetFiles.Img2Dataset(dir.File("a.parquet"), rows);
        var quarantine = new QuarantineLog(dir.File("quarantine.jsonl"));
        var pipeline = await Pipelines.OpenAsync(dir.Path, Pipelines.Settings(batchSize: 4), quarantine);

        var batches = await Pipelines.TakeAsync(pipeline, pipeline.Start, 2);

        Assert.All(batches, b => Assert.Equal(4, b.Count));
        Assert.DoesNotContain("k00004", batches.SelectMany(b => b.Keys));
        var line = Assert.Single(File.ReadAllLines(dir.File("quarantine.jsonl")));
        var entry = JsonSerializer.Deserialize<QuarantineEntry>(line)!;
        Assert.Equal(("k00004", 4L, QuarantineKind.Sample), (entry.Key, entry.Row!.Value, entry.Kind));
        Assert.Contains(reason, entry.Reason);
        Assert.True(pipeline.Counters.SamplesFailed == 1, $"{what}: {pipeline.Counters.SamplesFailed} failures counted");
    }

    [Fact]
    public void A_bomb_is_refused_before_pixel_memory_is_asked_for()
    {
        var decoder = new ImageDecoder(Pipelines.Shipped.Decode with { MaxPixels = 1_000_000 });
        var error = Assert.Throws<ImageRejectedException>(() => decoder.Decode(TestImages.PngHeaderClaiming(100_000, 100_000)));
        Assert.Contains("100000x100000", error.Message);
        Assert.Throws<ImageRejectedException>(() => decoder.Decode(TestImages.Png(1001, 1000)));
        using var fits = decoder.Decode(TestImages.Png(1000, 1000));
    }

    [Fact]
    public void An_image_needing_more_than_the_allocation_limit_fails_alone()
    {
        var decoder = new ImageDecoder(Pipelines.Shipped.Decode with { AllocationLimitMegabytes = 1 });
        var error = Assert.Throws<SixLabors.ImageSharp.InvalidImageContentException>(() => decoder.Decode(TestImages.Png(1000, 1000)));
        Assert.IsType<SixLabors.ImageSharp.Memory.InvalidMemoryOperationException>(error.InnerException);
        using var small = decoder.Decode(TestImages.Png(100, 100));
    }

    [Fact]
    public async Task Null_and_empty_captions_are_skipped()
    {
        using var dir = new TempDirectory();
        var rows = ParquetFiles.GoodRows(6).ToList();
        rows[0] = rows[0] with { Caption = null! };
        rows[1] = rows[1] with { Caption = "   " };
        ParquetFiles.Img2Dataset(dir.File("a.parquet"), rows);
        var quarantined = new List<QuarantineEntry>();
        var pipeline = await Pipelines.OpenAsync(dir.Path, Pipelines.Settings(batchSize: 4), new QuarantineLog(quarantined));
        var batch = Assert.Single(await Pipelines.TakeAsync(pipeline, pipeline.Start, 1));
        Assert.Equal(["k00002", "k00003", "k00004", "k00005"], batch.Keys.Order());
        Assert.Equal(2, quarantined.Count(e => e.Reason == "caption is null or empty"));
    }

    [Fact]
    public async Task A_file_without_an_image_column_is_quarantined_and_the_others_are_used()
    {
        using var dir = new TempDirectory();
        ParquetFiles.Img2Dataset(dir.File("good.parquet"), ParquetFiles.GoodRows(4));
        await ParquetFiles.ColumnsAsync(dir.File("no-image.parquet"), ("caption", new[] { "a", "b" }));
        var quarantine = new QuarantineLog(dir.File("q.jsonl"));
        var manifest = await Pipelines.ManifestAsync([dir.Path], new ColumnNames(), quarantine);
        Assert.Single(manifest.Files);
        var entry = Assert.Single(QuarantineFile.ReadAll(dir.File("q.jsonl")));
        Assert.Equal((QuarantineKind.File, true), (entry.Kind, entry.Reason.Contains("no image column")));
    }

    [Fact]
    public async Task A_column_of_the_wrong_type_quarantines_the_file()
    {
        using var dir = new TempDirectory();
        ParquetFiles.Img2Dataset(dir.File("good.parquet"), ParquetFiles.GoodRows(4));
        await ParquetFiles.ColumnsAsync(dir.File("int-caption.parquet"), ("jpg", new[] { TestImages.Jpeg() }), ("caption", new int?[] { 5 }));
        await ParquetFiles.ColumnsAsync(dir.File("string-image.parquet"), ("jpg", new[] { "not bytes" }), ("caption", new[] { "a" }));
        var quarantined = new List<QuarantineEntry>();
        var manifest = await Pipelines.ManifestAsync([dir.Path], new ColumnNames(), new QuarantineLog(quarantined));
        Assert.Single(manifest.Files);
        Assert.Contains(quarantined, e => e.File.EndsWith("int-caption.parquet") && e.Reason.Contains("column 'caption' has type Int32, expected string"));
        Assert.Contains(quarantined, e => e.File.EndsWith("string-image.parquet") && e.Reason.Contains("column 'jpg' has type string, expected binary"));
    }

    [Fact]
    public async Task Truncated_parquet_and_random_bytes_are_quarantined_files()
    {
        using var dir = new TempDirectory();
        ParquetFiles.Img2Dataset(dir.File("good.parquet"), ParquetFiles.GoodRows(4));
        var whole = File.ReadAllBytes(ParquetFiles.Img2Dataset(dir.File("full.parquet"), ParquetFiles.GoodRows(4)));
        File.WriteAllBytes(dir.File("full.parquet"), whole[..(whole.Length / 2)]);
        File.WriteAllBytes(dir.File("random.parquet"), Enumerable.Range(0, 5000).Select(i => (byte)(i * 7919 % 251)).ToArray());
        File.WriteAllBytes(dir.File("empty.parquet"), []);
        var quarantine = new QuarantineLog(dir.File("q.jsonl"));

        var manifest = await Pipelines.ManifestAsync([dir.Path], new ColumnNames(), quarantine);

        Assert.Equal("good.parquet", Path.GetFileName(Assert.Single(manifest.Files).Path));
        Assert.Equal(3, quarantine.Count(QuarantineKind.File));
        Assert.Equal(3, File.ReadAllLines(dir.File("q.jsonl")).Length);
    }

    [Fact]
    public async Task A_file_that_vanishes_after_the_manifest_fails_the_stream_and_quarantines_nothing()
    {
        using var dir = new TempDirectory();
        ParquetFiles.Img2Dataset(dir.File("a.parquet"), ParquetFiles.GoodRows(8, "a"));
        ParquetFiles.Img2Dataset(dir.File("b.parquet"), ParquetFiles.GoodRows(8, "b"));
        var quarantine = new QuarantineLog(dir.File("q.jsonl"));
        var settings = Pipelines.Settings(batchSize: 4);
        // Retried at once: the waits are the retry policy's tests' business.
        settings = settings with { Stream = settings.Stream with { ReadRetryBackoff = TimeSpan.Zero } };
        var pipeline = await Pipelines.OpenAsync(dir.Path, settings, quarantine);
        File.Delete(dir.File("b.parquet"));

        // Another node may still read the file: skipping its rows here would give the nodes different batches.
        var error = await Assert.ThrowsAsync<DataReadException>(() => Pipelines.TakeAsync(pipeline, pipeline.Start, 4));

        Assert.Equal((dir.File("b.parquet"), 5), (error.File, error.Attempts));
        Assert.Equal(0, quarantine.Count(QuarantineKind.RowGroup));
        Assert.Empty(QuarantineFile.ReadAll(dir.File("q.jsonl")));
    }

    [Fact]
    public async Task Configuration_mistakes_fail_before_training_with_a_clear_message()
    {
        using var dir = new TempDirectory();
        var missing = await Assert.ThrowsAsync<DataConfigurationException>(() => Pipelines.ManifestAsync([dir.File("nope")], new ColumnNames(), new QuarantineLog()));
        Assert.Contains("does not exist", missing.Message);

        var empty = await Assert.ThrowsAsync<DataConfigurationException>(() => Pipelines.ManifestAsync([dir.Path], new ColumnNames(), new QuarantineLog()));
        Assert.Contains("no Parquet files", empty.Message);

        ParquetFiles.Img2Dataset(dir.File("a.parquet"), ParquetFiles.GoodRows(4));
        var wrongColumn = await Assert.ThrowsAsync<DataConfigurationException>(() => Pipelines.ManifestAsync([dir.Path], new ColumnNames(Caption: "title_text"), new QuarantineLog()));
        Assert.Contains("configured caption column 'title_text' is missing", wrongColumn.Message);

        var tooSmall = await Assert.ThrowsAsync<DataConfigurationException>(() => Pipelines.OpenAsync(dir.Path, Pipelines.Settings(batchSize: 5)));
        Assert.Contains("fewer than one batch", tooSmall.Message);

        await Assert.ThrowsAsync<DataConfigurationException>(() => Pipelines.OpenAsync(dir.Path, Pipelines.Settings(parallelism: 0)));
    }

    [Fact]
    public async Task An_epoch_without_one_usable_batch_fails_instead_of_hanging()
    {
        using var dir = new TempDirectory();
        ParquetFiles.Img2Dataset(dir.File("a.parquet"), ParquetFiles.GoodRows(6).Select(r => r with { Jpg = [9, 9, 9] }).ToArray());
        var pipeline = await Pipelines.OpenAsync(dir.Path, Pipelines.Settings(batchSize: 2));
        await Assert.ThrowsAsync<InvalidDataException>(() => Pipelines.TakeAsync(pipeline, pipeline.Start, 1));
    }

    private static byte[] CorruptJpeg()
    {
        var bytes = TestImages.Jpeg(32, 32);
        // Keep the SOI marker and headers, scramble everything after the first 30 bytes.
        for (var i = 30; i < bytes.Length; i++) bytes[i] = (byte)(i * 13);
        return bytes;
    }
}
