using System.Text.Json;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TinyClip.Data.Text;
using TinyClip.Model;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace TinyClip.Cli.Tests;

public sealed class EmbedCommandTests : IDisposable
{
    private const double Tolerance = 1e-5;
    private static readonly float[] OpenAiMean = [0.48145466f, 0.4578275f, 0.40821073f];
    private static readonly float[] OpenAiStd = [0.26862954f, 0.26130258f, 0.27577711f];

    private readonly string _directory = Directory.CreateTempSubdirectory("tinyclip-embed-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>A PNG (lossless) of random pixels, and the pixels themselves.</summary>
    private string WriteImage(string name, int width, int height, int seed, out Rgb24[,] pixels)
    {
        var random = new Random(seed);
        pixels = new Rgb24[height, width];
        using var image = new Image<Rgb24>(width, height);
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
            {
                var pixel = new Rgb24((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
                pixels[y, x] = pixel;
                image[x, y] = pixel;
            }
        var path = Path.Combine(_directory, name);
        image.SaveAsPng(path);
        return path;
    }

    /// <summary>CHW (value / 255 - mean) / std of a window of <paramref name="pixels"/>, written out here independently of the data pipeline.</summary>
    private static float[] Normalise(Rgb24[,] pixels, int left, int top, int size)
    {
        var result = new float[3 * size * size];
        for (var y = 0; y < size; y++)
            for (var x = 0; x < size; x++)
            {
                var p = pixels[top + y, left + x];
                var values = new[] { p.R, p.G, p.B };
                for (var c = 0; c < 3; c++) result[c * size * size + y * size + x] = (values[c] / 255f - OpenAiMean[c]) / OpenAiStd[c];
            }
        return result;
    }

    private static void AssertClose(IReadOnlyList<float> expected, IReadOnlyList<float> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= Tolerance, $"element {i}: expected {expected[i]}, got {actual[i]}");
    }

    /// <summary>What the model sees of preprocessed bytes: the normalisation training uses too.</summary>
    private static float[] ModelInput(byte[] pixels, int size) =>
        TinyClip.Model.Imaging.ClipImageNormalization.Apply(tensor(pixels, new long[] { 1, 3, size, size }, ScalarType.Byte)).data<float>().ToArray();

    private static float[][] Rows(Tensor matrix) => matrix.data<float>().ToArray().Chunk((int)matrix.shape[1]).ToArray();

    [Fact]
    public void An_image_at_the_model_resolution_is_only_normalised()
    {
        var path = WriteImage("exact.png", 32, 32, seed: 1, out var pixels);

        AssertClose(Normalise(pixels, 0, 0, 32), ModelInput(EmbedCommand.Preprocess(path, 32), 32));
    }

    [Fact]
    public void A_wider_image_is_centre_cropped_to_the_model_resolution()
    {
        // The shorter side is already 32, so the resize keeps the pixels and the crop takes columns 4..35.
        var path = WriteImage("wide.png", 40, 32, seed: 2, out var pixels);

        AssertClose(Normalise(pixels, 4, 0, 32), ModelInput(EmbedCommand.Preprocess(path, 32), 32));
    }

    [Fact]
    public void Embeddings_are_the_models_own_normalised_encodings_of_a_saved_checkpoint()
    {
        using var model = TinyModels.Create();
        var checkpoint = TinyModels.Save(model, _directory);
        var tokenizerPath = TinyModels.WriteTokenizer(_directory);
        var tokenizer = ClipTokenizer.FromFile(tokenizerPath);
        var image1 = WriteImage("one.png", 32, 32, seed: 3, out var pixels1);
        var image2 = WriteImage("two.png", 32, 32, seed: 4, out var pixels2);
        string[] texts = ["a photo of a cat", "a green circle"];

        using var loaded = CheckpointModel.Load(checkpoint, allowPickle: false, described: null);
        var embeddings = EmbedCommand.Embed(loaded, [image1, image2], tokenizer, texts);

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        model.eval();
        var images = tensor(Normalise(pixels1, 0, 0, 32).Concat(Normalise(pixels2, 0, 0, 32)).ToArray(), new long[] { 2, 3, 32, 32 });
        var tokens = tensor(texts.SelectMany(t => tokenizer.Encode(t, 16)).Select(id => (long)id).ToArray(), new long[] { 2, 16 });
        var expectedImages = Rows(normalize(model.EncodeImage(images), p: 2.0, dim: -1));
        var expectedTexts = Rows(normalize(model.EncodeText(tokens), p: 2.0, dim: -1));

        Assert.Equal(2, embeddings.Images!.Count);
        Assert.Equal(2, embeddings.Texts!.Count);
        for (var i = 0; i < 2; i++)
        {
            AssertClose(expectedImages[i], embeddings.Images[i]);
            AssertClose(expectedTexts[i], embeddings.Texts[i]);
        }
        foreach (var vector in embeddings.Images.Concat(embeddings.Texts))
        {
            Assert.Equal(32, vector.Length);
            Assert.True(Math.Abs(Math.Sqrt(vector.Sum(x => (double)x * x)) - 1) <= Tolerance);
        }
    }

    [Fact]
    public async Task The_cli_prints_only_the_embeddings_asked_for_as_json()
    {
        using var model = TinyModels.Create();
        var checkpoint = TinyModels.Save(model, _directory);
        var tokenizer = TinyModels.WriteTokenizer(_directory);
        var image = WriteImage("cli.png", 48, 40, seed: 5, out _);

        var both = await CliProcess.RunAsync(TestPaths.TinyClipDll,
            ["embed", "--checkpoint", checkpoint, "--tokenizer", tokenizer, "--image", image, "--text", "a cat", "--text", "a dog", "--json"]);
        var textOnly = await CliProcess.RunAsync(TestPaths.TinyClipDll,
            ["embed", "--checkpoint", checkpoint, "--tokenizer", tokenizer, "--text", "a cat", "--json"]);

        Assert.True(both.ExitCode == 0, both.Stderr);
        using var json = JsonDocument.Parse(both.Stdout);
        var expected = EmbedCommand.Embed(model, [image], ClipTokenizer.FromFile(tokenizer), ["a cat", "a dog"]);
        var images = json.RootElement.GetProperty("image_embeddings").EnumerateArray().Select(v => v.EnumerateArray().Select(x => x.GetSingle()).ToArray()).ToList();
        var texts = json.RootElement.GetProperty("text_embeddings").EnumerateArray().Select(v => v.EnumerateArray().Select(x => x.GetSingle()).ToArray()).ToList();
        Assert.Single(images);
        Assert.Equal(2, texts.Count);
        AssertClose(expected.Images![0], images[0]);
        AssertClose(expected.Texts![1], texts[1]);

        Assert.True(textOnly.ExitCode == 0, textOnly.Stderr);
        using var textJson = JsonDocument.Parse(textOnly.Stdout);
        Assert.Equal(["text_embeddings"], textJson.RootElement.EnumerateObject().Select(p => p.Name));
    }
}
