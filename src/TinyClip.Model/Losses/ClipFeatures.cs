using TorchSharp;
using static TorchSharp.torch;

namespace TinyClip.Model.Losses;

/// <summary>
/// Image and text embeddings of the same N image-text pairs (row i of <see cref="Image"/> belongs to
/// row i of <see cref="Text"/>). The losses expect both to be L2-normalised along the last axis
/// (see <see cref="AffinityMimickingLoss.Normalize"/>).
/// </summary>
public sealed record ClipFeatures(Tensor Image, Tensor Text)
{
    /// <summary>Number of pairs (rows).</summary>
    public long Count => Image.shape[0];

    /// <summary>Copies without autograd history, e.g. what a trainer sends to an all-gather.</summary>
    public ClipFeatures Detach() => new(Image.detach(), Text.detach());

    /// <summary>Keeps both tensors past the current dispose scope (which frees everything else made in it).</summary>
    public ClipFeatures MoveToOuterDisposeScope() => new(Image.MoveToOuterDisposeScope(), Text.MoveToOuterDisposeScope());

    internal void EnsurePaired(string name)
    {
        if (Image.dim() != 2 || Text.dim() != 2)
            throw new ArgumentException($"{name}: image and text features must be 2-D (rows x dim).");
        if (Image.shape[0] != Text.shape[0])
            throw new ArgumentException(
                $"{name}: {Image.shape[0]} image rows but {Text.shape[0]} text rows; pairs must line up.");
    }
}
