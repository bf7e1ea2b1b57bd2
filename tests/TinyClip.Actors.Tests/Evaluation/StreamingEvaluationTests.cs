using TinyClip.Actors.Evaluation;
using TinyClip.Actors.Tests.Feeding;
using TinyClip.Actors.Training;
using TinyClip.Configuration;
using TinyClip.Data.Pipeline;
using TinyClip.Data.Quarantine;
using TinyClip.Data.Settings;
using TinyClip.Data.Synthetic;
using TinyClip.Model;
using TinyClip.Model.Losses;
using static TorchSharp.torch;

namespace TinyClip.Actors.Tests.Evaluation;

/// <summary>The streamed evaluation against a reference that decodes the whole set into memory and encodes it in one forward pass.</summary>
public sealed class StreamingEvaluationTests : IDisposable
{
    private const int BatchSize = 8;
    private readonly string _directory = Directory.CreateTempSubdirectory("tinyclip-stream-eval-").FullName;
    private readonly LetterTokenizer _tokenizer = new();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>37 labelled 32 px samples (batches of 8: four whole ones and a short one) in shards of row groups of 5.</summary>
    private async Task<EvaluationSource> OpenAsync(bool withClasses, int maxSamples = 0)
    {
        if (!File.Exists(Path.Combine(_directory, "classes.txt")))
            await SyntheticDataset.WriteAsync(new SynthOptions(_directory, TrainCount: 0, ValCount: 37, ImageSize: 32, RowsPerFile: 20, RowGroupSize: 5));
        var prompts = withClasses ? ZeroShotPrompts.Read(Path.Combine(_directory, "classes.txt"), Path.Combine(_directory, "templates.txt")) : null;
        return await EvaluationSource.OpenAsync([Path.Combine(_directory, "val")], prompts, DataSettingsConfig.Reference, _tokenizer, maxSamples, new QuarantineLog());
    }

    private static IEnumerable<TrainingBatch> Batches(EvaluationSource source, ClipModel model, int batchSize) =>
        ReadAhead.Of(source.ReadAsync(model.Config.Vision.ImageSize, model.Config.Text.ContextLength, batchSize), 2, CancellationToken.None);

    /// <summary>The reference: every sample in one batch, encoded in one forward pass of each tower.</summary>
    private static EncodedSet EncodeAtOnce(ClipModel model, EvaluationSource source)
    {
        var whole = Assert.Single(Batches(source, model, batchSize: 100_000));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        model.eval();
        var image = AffinityMimickingLoss.Normalize(model.EncodeImage(ImageInput.ToDevice(whole.Images, CPU)));
        var text = AffinityMimickingLoss.Normalize(model.EncodeText(tensor(whole.Tokens, new long[] { whole.Count, whole.ContextLength }).to(ScalarType.Int64)));
        return new EncodedSet(image.DetachFromDisposeScope(), text.DetachFromDisposeScope(), whole.Labels);
    }

    [Fact]
    public async Task Streamed_embeddings_and_metrics_equal_those_of_the_whole_set_encoded_at_once()
    {
        var source = await OpenAsync(withClasses: true);
        using var model = ClipModel.Create(ClipPresets.Get("tiny-test"), seed: 3);

        using var streamed = SetEncoder.Encode(model, Batches(source, model, BatchSize));
        using var reference = EncodeAtOnce(model, source);

        Assert.Equal(37, streamed.Count);
        Assert.Equal(reference.Labels, streamed.Labels);
        Assert.True(streamed.Image.allclose(reference.Image, rtol: 0, atol: 1e-6), "image embeddings differ by more than 1e-6");
        Assert.True(streamed.Text!.allclose(reference.Text!, rtol: 0, atol: 1e-6), "text embeddings differ by more than 1e-6");

        var metrics = CheckpointEvaluator.Evaluate(model, source, _tokenizer, BatchSize, readAheadBatches: 2, compactHeapEveryBatches: 1);
        var expected = CheckpointEvaluator.Metrics(model, reference, source.Prompts, _tokenizer, batchSize: 1000);
        Assert.Equal(expected.OrderBy(kv => kv.Key).Select(kv => kv.Key), metrics.OrderBy(kv => kv.Key).Select(kv => kv.Key));
        foreach (var (name, value) in expected)
            Assert.True(name == "val_loss" ? Math.Abs(value - metrics[name]) < 1e-5 : value == metrics[name], $"{name}: {metrics[name]} streamed, {value} at once");
        Assert.Contains("zero_shot_top1", metrics.Keys);
    }

    [Fact]
    public void Prompts_encoded_in_batches_equal_all_prompts_encoded_at_once()
    {
        using var model = ClipModel.Create(ClipPresets.Get("tiny-test"), seed: 3);
        model.eval();
        var prompts = Enumerable.Range(0, 10).Select(i => $"a photo of shape {i}.").ToList();
        int contextLength = model.Config.Text.ContextLength;

        using var scope = NewDisposeScope();
        var batched = PromptEncoder.Encode(model, _tokenizer, prompts, contextLength, batchSize: 3);
        using var noGrad = no_grad();
        var atOnce = model.EncodeText(tensor(prompts.SelectMany(p => _tokenizer.Encode(p, contextLength)).ToArray(), new long[] { prompts.Count, contextLength })
            .to(ScalarType.Int64));

        Assert.True(batched.allclose(atOnce, rtol: 0, atol: 1e-6));
    }

    [Fact]
    public async Task Without_classes_retrieval_and_the_validation_loss_are_reported_over_the_first_max_samples()
    {
        var source = await OpenAsync(withClasses: false, maxSamples: 13);
        using var model = ClipModel.Create(ClipPresets.Get("tiny-test"), seed: 3);

        var metrics = CheckpointEvaluator.Evaluate(model, source, _tokenizer, BatchSize, readAheadBatches: 1, compactHeapEveryBatches: 0);

        Assert.Equal(new[] { "i2t_r1", "i2t_r10", "i2t_r5", "samples", "t2i_r1", "t2i_r10", "t2i_r5", "val_loss" }, metrics.Keys.Order());
        Assert.Equal(13, metrics["samples"]);
        Assert.True(metrics["i2t_r1"] <= metrics["i2t_r5"] && metrics["i2t_r5"] <= metrics["i2t_r10"] && metrics["i2t_r10"] <= 1);
        Assert.True(metrics["t2i_r1"] <= metrics["t2i_r5"] && metrics["t2i_r5"] <= metrics["t2i_r10"] && metrics["t2i_r10"] <= 1);
        // An untrained model retrieves at about chance: the loss of 13 candidates is near log(13).
        Assert.InRange(metrics["val_loss"], 0.5 * Math.Log(13), 2 * Math.Log(13));
    }
}
