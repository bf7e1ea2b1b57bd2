using static TorchSharp.torch;

namespace TinyClip.Actors.Evaluation;

/// <summary>
/// What an evaluation keeps of a set: the L2-normalised image and text embeddings (N x D floats each, on the CPU; no text
/// for labelled images without captions) and the labels (null when the set has no label column). Owns its tensors.
/// </summary>
public sealed class EncodedSet(Tensor image, Tensor? text, int[]? labels) : IDisposable
{
    public Tensor Image { get; } = image;
    public Tensor? Text { get; } = text;
    public int[]? Labels { get; } = labels;
    public int Count => (int)Image.shape[0];

    public void Dispose()
    {
        Image.Dispose();
        Text?.Dispose();
    }
}
