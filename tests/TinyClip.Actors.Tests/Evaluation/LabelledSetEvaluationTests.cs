using System.Text.Json.Serialization;
using Parquet.Serialization;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TinyClip.Actors.Evaluation;
using TinyClip.Actors.Tests.Feeding;
using TinyClip.Configuration;
using TinyClip.Data;
using TinyClip.Data.Quarantine;
using TinyClip.Model;

namespace TinyClip.Actors.Tests.Evaluation;

/// <summary>Zero-shot evaluation of labelled images without captions: an image folder and a Hugging Face style Parquet split.</summary>
public sealed class LabelledSetEvaluationTests : IDisposable
{
    private const int Classes = 4, PerClass = 3;
    private readonly string _directory = Directory.CreateTempSubdirectory("tinyclip-labelled-eval-").FullName;
    private readonly LetterTokenizer _tokenizer = new();
    private static readonly ZeroShotPrompts Prompts = new(["red square", "green circle", "blue triangle", "grey star"], ["a photo of a {}.", "a {} drawing."]);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>Image i of class c: a 40 x 36 JPEG of the class's colour, shaded by i.</summary>
    private static byte[] Jpeg(int c, int i)
    {
        using var image = new Image<Rgb24>(40, 36, new Rgb24((byte)(60 * c + 20 * i), (byte)(200 - 40 * c), (byte)(30 * i)));
        using var stream = new MemoryStream();
        image.SaveAsJpeg(stream);
        return stream.ToArray();
    }

    /// <summary>Hugging Face's imagenet-1k columns: <c>image</c> {bytes, path} and <c>label</c>.</summary>
    private sealed class HfImage
    {
        [JsonPropertyName("bytes")] public byte[]? Bytes { get; set; }
        [JsonPropertyName("path")] public string? Path { get; set; }
    }

    private sealed class HfRow
    {
        [JsonPropertyName("image")] public HfImage? Image { get; set; }
        [JsonPropertyName("label")] public long Label { get; set; }
    }

    /// <summary>The same images as class subfolders class-0..3 and as one Parquet file, in the same order.</summary>
    private async Task<(string Folder, string Parquet)> WriteBothAsync(Func<int, long>? parquetLabel = null)
    {
        var folder = Path.Combine(_directory, "folder");
        var rows = new List<HfRow>();
        for (var c = 0; c < Classes; c++)
        {
            Directory.CreateDirectory(Path.Combine(folder, $"class-{c}"));
            for (var i = 0; i < PerClass; i++)
            {
                var bytes = Jpeg(c, i);
                await File.WriteAllBytesAsync(Path.Combine(folder, $"class-{c}", $"{i}.jpg"), bytes);
                rows.Add(new HfRow { Image = new HfImage { Bytes = bytes, Path = $"{c}-{i}.jpg" }, Label = parquetLabel?.Invoke(c) ?? c });
            }
        }
        var parquet = Path.Combine(_directory, "validation.parquet");
        await ParquetSerializer.SerializeAsync(rows, parquet);
        return (folder, parquet);
    }

    [Fact]
    public async Task An_image_folder_and_a_parquet_split_of_the_same_images_give_the_same_zero_shot_metrics_and_no_retrieval()
    {
        var (folder, parquet) = await WriteBothAsync();
        using var model = ClipModel.Create(ClipPresets.Get("tiny-test"), seed: 5);
        var fromFolder = EvaluationSource.OpenImageFolder(folder, Prompts, DataSettingsConfig.Reference, _tokenizer, 0, new QuarantineLog());
        var fromParquet = await EvaluationSource.OpenAsync([parquet], Prompts, DataSettingsConfig.Reference, _tokenizer, 0, new QuarantineLog());

        var folderMetrics = CheckpointEvaluator.Evaluate(model, fromFolder, _tokenizer, batchSize: 5, readAheadBatches: 2, compactHeapEveryBatches: 0);
        var parquetMetrics = CheckpointEvaluator.Evaluate(model, fromParquet, _tokenizer, batchSize: 5, readAheadBatches: 2, compactHeapEveryBatches: 0);

        Assert.False(fromParquet.HasCaptions);
        Assert.Equal(["samples", "zero_shot_mean_per_class_recall", "zero_shot_top1", "zero_shot_top5"], folderMetrics.Keys.Order());
        Assert.Equal(folderMetrics, parquetMetrics);
        Assert.Equal(Classes * PerClass, folderMetrics["samples"]);
        // Four classes: every label is within the top 5. Equal class sizes: the mean per-class recall is the top-1 accuracy.
        Assert.Equal(1.0, folderMetrics["zero_shot_top5"]);
        Assert.Equal(folderMetrics["zero_shot_top1"], folderMetrics["zero_shot_mean_per_class_recall"], 12);
        Assert.Equal(0, folderMetrics["zero_shot_top1"] * Classes * PerClass % 1, 9);
    }

    [Fact]
    public async Task Class_names_that_do_not_fit_the_folder_or_the_labels_and_a_set_without_captions_or_classes_are_refused()
    {
        var (folder, parquet) = await WriteBothAsync(parquetLabel: c => c == 2 ? 7 : c);
        using var model = ClipModel.Create(ClipPresets.Get("tiny-test"), seed: 5);
        var imagenet = ZeroShotPrompts.Read("imagenet-1k", "")!;

        var count = Assert.Throws<DataConfigurationException>(() =>
            EvaluationSource.OpenImageFolder(folder, imagenet, DataSettingsConfig.Reference, _tokenizer, 0, new QuarantineLog()));
        var noClasses = await Assert.ThrowsAsync<DataConfigurationException>(() =>
            EvaluationSource.OpenAsync([parquet], null, DataSettingsConfig.Reference, _tokenizer, 0, new QuarantineLog()));
        var source = await EvaluationSource.OpenAsync([parquet], Prompts, DataSettingsConfig.Reference, _tokenizer, 0, new QuarantineLog());
        var label = Assert.Throws<InvalidDataException>(() => CheckpointEvaluator.Evaluate(model, source, _tokenizer, batchSize: 5, readAheadBatches: 1, compactHeapEveryBatches: 0));

        Assert.Contains("has 4 class subfolders but 1000 class names were given", count.Message);
        Assert.StartsWith("the evaluation data has labelled images without captions, and no class names were given", noClasses.Message);
        // Rows 6-8 have label 7: the second batch of five stops the evaluation.
        Assert.Equal("sample 'validation/0/6' has label 7, but there are 4 class names (labels 0-3): the class names do not fit the data's labels", label.Message);
    }
}
