using TinyClip.Data.Pipeline;
using TinyClip.Data.Quarantine;
using TinyClip.Data.Reading;
using TinyClip.Data.Tests.Support;

namespace TinyClip.Data.Tests;

/// <summary>Folders of labelled images in class subfolders, read as torchvision's ImageFolder reads them.</summary>
public class ImageFolderRowsTests
{
    private static void Write(TempDirectory dir, string relative, byte[] bytes)
    {
        var path = dir.File(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
    }

    private static async Task<List<RawSample>> RowsAsync(ImageFolderRows folder, int blockRows, List<int>? blockSizes = null)
    {
        var rows = new List<RawSample>();
        await foreach (var block in folder.ReadBlocksAsync(blockRows, CancellationToken.None))
        {
            blockSizes?.Add(block.Length);
            rows.AddRange(block);
        }
        return rows;
    }

    [Fact]
    public async Task Labels_are_the_class_folders_places_in_ordinal_order_images_are_found_recursively_and_other_files_are_left_alone()
    {
        using var dir = new TempDirectory();
        var image = TestImages.Jpeg();
        // Ordinal order puts '.' before capitals before small letters: .hidden = 0, Cat = 1, ant = 2, dog = 3.
        foreach (var file in new[] { "dog/y.jpg", "Cat/b.jpg", "Cat/sub/c.png", "Cat/a.JPEG", "ant/x.webp", ".hidden/z.jpg", "stray.jpg" }) Write(dir, file, image);
        Write(dir, "Cat/notes.txt", "not an image"u8.ToArray());
        Write(dir, "dog/README", []);
        var blocks = new List<int>();

        var folder = ImageFolderRows.Open(dir.Path, new QuarantineLog());
        var rows = await RowsAsync(folder, blockRows: 4, blocks);

        Assert.Equal([".hidden", "Cat", "ant", "dog"], folder.Classes);
        Assert.Equal((6L, 2), (folder.TotalRows, folder.NotImages));
        // A folder's own files before its subfolders' (torchvision walks directory by directory); stray.jpg in the root is no sample.
        Assert.Equal([".hidden/z.jpg", "Cat/a.JPEG", "Cat/b.jpg", "Cat/sub/c.png", "ant/x.webp", "dog/y.jpg"], rows.Select(r => r.Key));
        Assert.Equal([0, 1, 1, 1, 2, 3], rows.Select(r => r.Label!.Value));
        Assert.Equal([4, 2], blocks);
        Assert.All(rows, r => Assert.Equal(image, r.Image));
        Assert.All(rows, r => Assert.Equal((null, null), (r.Caption, r.SkipReason)));
        Assert.Equal([0L, 1, 2, 3, 4, 5], rows.Select(r => r.SampleId));
        Assert.True(folder.HasLabels && !folder.HasCaptions);
    }

    [Fact]
    public async Task An_image_that_does_not_decode_is_quarantined_and_the_others_make_batches_without_tokens()
    {
        using var dir = new TempDirectory();
        Write(dir, "a/1.jpg", TestImages.Jpeg(20, 16, seed: 1));
        Write(dir, "a/2.jpg", [0xFF, 0xD8, 0xFF, 0x00]);
        Write(dir, "b/3.png", TestImages.Png(16, 20, seed: 2));
        Write(dir, "c/4.webp", TestImages.WebP(seed: 3));
        var quarantined = new List<QuarantineEntry>();
        var quarantine = new QuarantineLog(quarantined);

        var batches = new List<TrainingBatch>();
        await foreach (var batch in new EvaluationReader(ImageFolderRows.Open(dir.Path, quarantine), Pipelines.Settings(batchSize: 2), new WordHashTokenizer(), quarantine).ReadAsync())
            batches.Add(batch);

        Assert.Equal([2, 1], batches.Select(b => b.Count));
        Assert.Equal(["a/1.jpg", "b/3.png", "c/4.webp"], batches.SelectMany(b => b.Keys));
        Assert.Equal([0, 1, 2], batches.SelectMany(b => b.Labels!));
        Assert.All(batches, b => Assert.Equal((0, 0), (b.ContextLength, b.Tokens.Length)));
        var entry = Assert.Single(quarantined);
        Assert.Equal(("a/2.jpg", 1L, QuarantineKind.Sample), (entry.Key, entry.Row, entry.Kind));
    }

    [Fact]
    public void A_missing_folder_one_without_class_folders_and_one_without_images_are_refused_with_what_was_found()
    {
        using var dir = new TempDirectory();
        Write(dir, "flat/1.jpg", TestImages.Jpeg());
        Write(dir, "empty/cls/labels.csv", "x"u8.ToArray());

        var missing = Assert.Throws<DataConfigurationException>(() => ImageFolderRows.Open(dir.File("absent"), new QuarantineLog()));
        var flat = Assert.Throws<DataConfigurationException>(() => ImageFolderRows.Open(dir.File("flat"), new QuarantineLog()));
        var empty = Assert.Throws<DataConfigurationException>(() => ImageFolderRows.Open(dir.File("empty"), new QuarantineLog()));

        Assert.Equal($"the image folder '{dir.File("absent")}' does not exist", missing.Message);
        Assert.Contains("has no class subfolders", flat.Message);
        Assert.Contains("has 1 class subfolders but no image file in them", empty.Message);
        Assert.Contains("1 other files", empty.Message);
    }
}
