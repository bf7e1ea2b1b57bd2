using TinyClip.Actors.Training;
using TinyClip.Data.Pipeline;
using TinyClip.Model;

namespace TinyClip.Actors.Tests.Training;

public sealed class StepFingerprintTests
{
    [Fact]
    public void Weights_digest_is_equal_for_equal_models_and_changes_with_one_ulp_of_one_weight()
    {
        var config = ClipPresets.Get("tiny-test", vocabSize: TrainingFixtures.VocabularySize);
        using var first = ClipModel.Create(config, seed: 3);
        using var second = ClipModel.Create(config, seed: 3);
        var digest = StepFingerprint.Weights(first);
        Assert.Matches("^[0-9a-f]{16}$", digest);
        Assert.Equal(digest, StepFingerprint.Weights(second));

        var values = second.parameters().Last().data<float>();
        values[0] = MathF.BitIncrement(values[0]);
        Assert.NotEqual(digest, StepFingerprint.Weights(second));
        Assert.Equal(digest, StepFingerprint.Weights(first));
    }

    [Fact]
    public void Inputs_digest_covers_every_image_byte_and_token_of_the_slice()
    {
        var batch = TrainingFixtures.Batch(2, 4);
        var digest = StepFingerprint.Inputs(batch);
        Assert.Equal(digest, StepFingerprint.Inputs(TrainingFixtures.Batch(2, 4)));

        var pixels = batch.Images.Blocks.Single().ToArray();
        pixels[^1] ^= 1; // the last byte of the last image
        Assert.NotEqual(digest, StepFingerprint.Inputs(batch with { Images = new ImageRows(batch.ImageSize, [pixels]) }));
        var tokens = (int[])batch.Tokens.Clone();
        tokens[^1] += 1;
        Assert.NotEqual(digest, StepFingerprint.Inputs(batch with { Tokens = tokens }));
        // A trainer's slice digests its own rows only.
        Assert.NotEqual(StepFingerprint.Inputs(batch.SliceFor(0, 2)), StepFingerprint.Inputs(batch.SliceFor(1, 2)));
    }
}
