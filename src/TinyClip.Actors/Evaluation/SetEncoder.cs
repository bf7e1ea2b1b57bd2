using TinyClip.Actors.Training;
using TinyClip.Data.Pipeline;
using TinyClip.Model;
using TinyClip.Model.Losses;
using static TorchSharp.torch;

namespace TinyClip.Actors.Evaluation;

/// <summary>Encodes a set batch by batch as its batches arrive, keeping only the embeddings and labels.</summary>
public static class SetEncoder
{
    /// <param name="encoded">Told each batch once it is encoded: its images are no longer needed (progress, recycling).</param>
    public static EncodedSet Encode(ClipModel model, IEnumerable<TrainingBatch> batches, Action<TrainingBatch>? encoded = null)
    {
        model.eval();
        var device = model.LogitScale.device;
        using var images = new RowBlocks();
        using var texts = new RowBlocks();
        var labels = new List<int>();
        bool withLabels = true;
        foreach (var batch in batches)
        {
            var (image, text) = EncodeBatch(model, batch, device);
            using (image) images.Add(image);
            if (text is not null)
                using (text) texts.Add(text);
            if (batch.Labels is null) withLabels = false;
            else labels.AddRange(batch.Labels);
            encoded?.Invoke(batch);
        }
        if (images.Rows == 0) throw new InvalidDataException("the evaluation data has no usable sample");
        using var scope = NewDisposeScope();
        return new EncodedSet(images.Concat().DetachFromDisposeScope(), texts.Rows > 0 ? texts.Concat().DetachFromDisposeScope() : null,
            withLabels ? labels.ToArray() : null);
    }

    /// <summary>
    /// One batch's normalised image and text embeddings, on the CPU, outside any dispose scope; no text embeddings for a
    /// batch without captions (<see cref="TrainingBatch.ContextLength"/> 0).
    /// </summary>
    public static (Tensor Image, Tensor? Text) EncodeBatch(ClipModel model, TrainingBatch batch, Device device)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var pixels = ImageInput.ToDevice(batch.Images, device);
        var image = AffinityMimickingLoss.Normalize(model.EncodeImage(pixels)).cpu().DetachFromDisposeScope();
        if (batch.ContextLength == 0) return (image, null);
        var tokens = tensor(batch.Tokens, new long[] { batch.Count, batch.ContextLength }).to(ScalarType.Int64).to(device);
        var text = AffinityMimickingLoss.Normalize(model.EncodeText(tokens)).cpu().DetachFromDisposeScope();
        return (image, text);
    }
}
