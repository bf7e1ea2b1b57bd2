using TinyClip.Data.Layouts;
using TinyClip.Data.Manifest;
using TinyClip.Data.Pipeline;
using TinyClip.Data.Quarantine;
using TinyClip.Data.Settings;
using TinyClip.Data.Tests.Support;

namespace TinyClip.Data.Tests;

/// <summary>Parquet splits of labelled images without captions (Hugging Face's imagenet-1k layout), read for evaluation.</summary>
public class LabelledImagesTests
{
    private static Task<DatasetManifest> EvaluationManifestAsync(string directory, QuarantineLog quarantine) =>
        DatasetManifest.BuildAsync([directory], new ColumnNames(), DatasetUse.Evaluation, quarantine, FooterReads.FromFiles(Pipelines.Shipped.Manifest));

    private static async Task<List<TrainingBatch>> ReadAllAsync(DatasetManifest manifest, DataSettings settings, QuarantineLog quarantine)
    {
        var batches = new List<TrainingBatch>();
        await foreach (var batch in new EvaluationReader(new ParquetEvaluationRows(manifest, quarantine, Pipelines.Retry), settings, new WordHashTokenizer(), quarantine).ReadAsync()) batches.Add(batch);
        return batches;
    }

    [Fact]
    public async Task A_hugging_face_imagenet_split_is_read_for_evaluation_with_its_labels_and_the_pixels_of_its_jpegs_and_refused_for_training()
    {
        using var dir = new TempDirectory();
        using var captioned = new TempDirectory();
        // Seven rows in row groups of 3: row 2's bytes are not an image and row 5 has no label; both are skipped.
        var jpegs = Enumerable.Range(0, 7).Select(i => TestImages.Jpeg(40, 30, seed: i)).ToArray();
        jpegs[2] = [1, 2, 3];
        long?[] labels = [3, 1, 4, 1, 5, null, 2];
        await ParquetFiles.LabelledImagesAsync(dir.File("validation-00000-of-00001.parquet"),
            jpegs.Zip(labels, (bytes, label) => new ParquetFiles.LabelledImage(bytes, label)).ToArray(), rowGroupSize: 3);
        // The same images with captions: the reference for the pixels.
        await ParquetFiles.HuggingFaceAsync(captioned.File("pairs.parquet"), jpegs.Select((b, i) => new ParquetFiles.HfRow(false, b, null, $"image {i}")).ToArray());
        var settings = Pipelines.Settings(batchSize: 4, imageSize: 16);
        var quarantined = new List<QuarantineEntry>();
        var quarantine = new QuarantineLog(quarantined);

        var training = await Assert.ThrowsAsync<DataConfigurationException>(() => Pipelines.ManifestAsync([dir.Path], new ColumnNames(), new QuarantineLog()));
        var manifest = await EvaluationManifestAsync(dir.Path, quarantine);
        var batches = await ReadAllAsync(manifest, settings, quarantine);
        var reference = await ReadAllAsync(await EvaluationManifestAsync(captioned.Path, new QuarantineLog()), settings, new QuarantineLog());

        Assert.Contains("no caption column", training.Message);
        var columns = manifest.Files.Single().Columns;
        Assert.Equal((DatasetLayout.HuggingFace, null, "label"), (columns.Layout, columns.CaptionColumn, columns.LabelColumn));
        Assert.Equal([4, 1], batches.Select(b => b.Count));
        Assert.Equal([3, 1, 1, 5, 2], batches.SelectMany(b => b.Labels!));
        Assert.All(batches, b => Assert.Equal((0, 0), (b.ContextLength, b.Tokens.Length)));
        Assert.Contains(quarantined, e => e.Row == 5 && e.Reason == "label is null");
        Assert.Contains(quarantined, e => e.Row == 2 && e.Kind == QuarantineKind.Sample && e.Reason != "label is null");
        // Rows 0, 1, 3, 4, 6 of the captioned copy (its row 5 has a caption and is kept there).
        var expected = reference.SelectMany(b => Enumerable.Range(0, b.Count).Select(r => b.Images.Row(r).ToArray())).Where((_, i) => i != 4).ToList();
        var actual = batches.SelectMany(b => Enumerable.Range(0, b.Count).Select(r => b.Images.Row(r).ToArray())).ToList();
        Assert.Equal(expected, actual);
    }

    [Fact]
    public async Task A_label_column_of_another_type_and_a_file_with_neither_captions_nor_labels_are_left_out_with_the_reason()
    {
        using var dir = new TempDirectory();
        await ParquetFiles.ColumnsAsync(dir.File("a-string-labels.parquet"), ("image", new[] { TestImages.Jpeg() }), ("label", new[] { "tench" }));
        await ParquetFiles.ColumnsAsync(dir.File("b-images-only.parquet"), ("image", new[] { TestImages.Jpeg() }));

        var error = await Assert.ThrowsAsync<DataConfigurationException>(() => EvaluationManifestAsync(dir.Path, new QuarantineLog()));

        Assert.Contains("a-string-labels.parquet: column 'label' has type string, expected integer", error.Message);
        Assert.Contains("b-images-only.parquet: no caption column (looked for caption, text, TEXT, txt, title) and no label column: " +
                        "an evaluation set needs captions, labels or both", error.Message);
    }

    [Fact]
    public async Task An_evaluation_set_of_files_with_and_without_captions_is_refused()
    {
        using var dir = new TempDirectory();
        ParquetFiles.Img2Dataset(dir.File("a-pairs.parquet"), ParquetFiles.GoodRows(4));
        await ParquetFiles.LabelledImagesAsync(dir.File("b-labelled.parquet"), [new(TestImages.Jpeg(), 0)], rowGroupSize: 1);
        var quarantine = new QuarantineLog();
        var manifest = await EvaluationManifestAsync(dir.Path, quarantine);

        var error = Assert.Throws<DataConfigurationException>(() => new ParquetEvaluationRows(manifest, quarantine, Pipelines.Retry));

        Assert.StartsWith("1 of the 2 evaluation files have a caption column and the others do not", error.Message);
        Assert.Contains("b-labelled.parquet", error.Message);
    }
}
