using TinyClip.Configuration;
using TinyClip.Model.Imaging;
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using SixLabors.ImageSharp;
using TinyClip.Actors.Configuration;
using TinyClip.Data.Imaging;
using TinyClip.Data.Settings;
using TinyClip.Data.Text;
using TinyClip.Model;
using TinyClip.Model.Losses;
using static TorchSharp.torch;

namespace TinyClip.Cli;

/// <summary>L2-normalised image and text embeddings of a checkpoint, one vector per input.</summary>
public sealed record Embeddings(IReadOnlyList<float[]>? Images, IReadOnlyList<float[]>? Texts);

/// <summary><c>embed</c>: image and text embeddings of a checkpoint as JSON (or one line per input).</summary>
public static class EmbedCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "Model checkpoint (.safetensors; .pt/.bin with --allow-pickle)", Required = true };
        var arch = CheckpointModel.ArchOption();
        var config = CheckpointModel.ConfigOption();
        var tokenizer = new Option<string?>("--tokenizer") { Description = "CLIP BPE merges file (needed with --text)" };
        var images = new Option<string[]>("--image") { Description = "Image file (repeatable)", AllowMultipleArgumentsPerToken = true };
        var texts = new Option<string[]>("--text") { Description = "Text (repeatable)", AllowMultipleArgumentsPerToken = true };
        var json = new Option<bool>("--json") { Description = "Print {\"image_embeddings\": [...], \"text_embeddings\": [...]}" };
        var allowPickle = CheckpointModel.AllowPickleOption();
        var command = new Command("embed", "L2-normalised embeddings of images and texts")
        {
            checkpoint, arch, config, tokenizer, images, texts, json, allowPickle,
        };
        command.SetAction((result, cancellationToken) => CliErrors.Report(() =>
        {
            var imagePaths = result.GetValue(images) ?? [];
            var textInputs = result.GetValue(texts) ?? [];
            if (imagePaths.Length == 0 && textInputs.Length == 0)
                throw new InvalidSettingException("--image/--text", "give at least one image or text to embed");
            var tokenizerPath = result.GetValue(tokenizer);
            if (textInputs.Length > 0 && tokenizerPath is null)
                throw new InvalidSettingException("--tokenizer", "embedding text needs the model's tokenizer");

            using var model = CheckpointModel.Load(result.GetValue(checkpoint)!, result.GetValue(allowPickle),
                CheckpointModel.DescribedHints(result.GetValue(arch), result.GetValue(config)));
            ClipTokenizer? textTokenizer = null;
            if (tokenizerPath is not null)
            {
                textTokenizer = ClipTokenizer.FromFile(tokenizerPath);
                TokenizerFit.Check(textTokenizer, tokenizerPath, model);
            }
            var embeddings = Embed(model, imagePaths, textTokenizer, textInputs);
            Console.WriteLine(result.GetValue(json) ? ToJson(embeddings) : ToText(embeddings, imagePaths, textInputs));
            return Task.FromResult(0);
        }));
        return command;
    }

    /// <summary>Normalised embeddings; images go through the eval transform at the model's resolution, texts through the model's context length.</summary>
    public static Embeddings Embed(ClipModel model, IReadOnlyList<string> imagePaths, ICaptionTokenizer? tokenizer, IReadOnlyList<string> texts)
    {
        if (texts.Count > 0 && tokenizer is null) throw new ArgumentNullException(nameof(tokenizer), "texts need the model's tokenizer");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        model.eval();
        float[][]? imageVectors = null, textVectors = null;
        if (imagePaths.Count > 0)
        {
            var size = model.Config.Vision.ImageSize;
            var pixels = imagePaths.SelectMany(path => Preprocess(path, size)).ToArray();
            var batch = ClipImageNormalization.Apply(tensor(pixels, new long[] { imagePaths.Count, 3, size, size }, ScalarType.Byte));
            imageVectors = Rows(AffinityMimickingLoss.Normalize(model.EncodeImage(batch)));
        }
        if (texts.Count > 0)
        {
            var context = model.Config.Text.ContextLength;
            var ids = texts.SelectMany(text => tokenizer!.Encode(text, context)).Select(id => (long)id).ToArray();
            var batch = tensor(ids, new long[] { texts.Count, context });
            textVectors = Rows(AffinityMimickingLoss.Normalize(model.EncodeText(batch)));
        }
        return new Embeddings(imageVectors, textVectors);
    }

    /// <summary>
    /// The pixels the model sees: decoded with the data pipeline's restricted decoder, resized and centre-cropped
    /// only when not already <paramref name="size"/> square, as CHW bytes (normalised on the model's side, as in training).
    /// </summary>
    public static byte[] Preprocess(string path, int size)
    {
        var bytes = File.ReadAllBytes(path);
        try
        {
            using var image = new ImageDecoder(DataSettingsConfig.Reference.Decode).Decode(bytes);
            new ResizeCenterCrop(size).Apply(image);
            var pixels = new byte[3 * size * size];
            ChwPixels.Write(image, pixels);
            return pixels;
        }
        catch (Exception e) when (e is ImageRejectedException or ImageFormatException)
        {
            throw new InvalidDataException($"image '{path}': {e.Message}");
        }
    }

    private static float[][] Rows(Tensor matrix)
    {
        var values = matrix.contiguous().data<float>().ToArray();
        var width = (int)matrix.shape[1];
        return values.Chunk(width).ToArray();
    }

    private static string ToJson(Embeddings embeddings)
    {
        var output = new Dictionary<string, IReadOnlyList<float[]>>();
        if (embeddings.Images is { } images) output["image_embeddings"] = images;
        if (embeddings.Texts is { } texts) output["text_embeddings"] = texts;
        return JsonSerializer.Serialize(output);
    }

    private static string ToText(Embeddings embeddings, IReadOnlyList<string> imagePaths, IReadOnlyList<string> texts)
    {
        static string Vector(float[] v) => string.Join(' ', v.Select(x => x.ToString("R", CultureInfo.InvariantCulture)));
        var lines = new List<string>();
        for (var i = 0; i < (embeddings.Images?.Count ?? 0); i++) lines.Add($"image\t{imagePaths[i]}\t{Vector(embeddings.Images![i])}");
        for (var i = 0; i < (embeddings.Texts?.Count ?? 0); i++) lines.Add($"text\t{texts[i]}\t{Vector(embeddings.Texts![i])}");
        return string.Join(Environment.NewLine, lines);
    }
}
