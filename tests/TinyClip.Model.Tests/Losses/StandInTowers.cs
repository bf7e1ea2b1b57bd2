using TinyClip.Model.Losses;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyClip.Model.Tests.Losses;

/// <summary>
/// Tiny image and text encoders that stand in for a CLIP model in the data-parallel tests: a linear map of
/// flattened 3x4x4 images and a mean embedding bag over token ids, both L2-normalised, plus a logit scale.
/// </summary>
internal sealed class StandInTowers
{
    public const long PixelCount = 3 * 4 * 4;
    public const long Vocabulary = 20;

    private StandInTowers(Linear image, EmbeddingBag text, Parameter logitScale)
    {
        Image = image;
        Text = text;
        LogitScale = logitScale;
    }

    public Linear Image { get; }
    public EmbeddingBag Text { get; }
    public Parameter LogitScale { get; }

    public static StandInTowers Create(long width, double logitScale, int seed)
    {
        manual_seed(seed);
        return new StandInTowers(
            nn.Linear(PixelCount, width),
            nn.EmbeddingBag(Vocabulary, width, mode: EmbeddingBagMode.Mean),
            new Parameter(tensor((float)logitScale)));
    }

    /// <summary>A deep copy with the same weights (a trainer's replica).</summary>
    public StandInTowers Copy()
    {
        var copy = Create(Image.weight!.shape[0], 0.0, seed: 0);
        using var noGrad = no_grad();
        foreach (var (target, source) in copy.Parameters().Zip(Parameters()))
            target.copy_(source);
        return copy;
    }

    public IReadOnlyList<Parameter> Parameters() =>
        Image.parameters().Concat(Text.parameters()).Append(LogitScale).ToList();

    public ClipFeatures Encode(Tensor images, Tensor tokens) => new(
        AffinityMimickingLoss.Normalize(Image.call(images.flatten(1))),
        AffinityMimickingLoss.Normalize(Text.call(tokens, null, null)));
}
