using TinyClip.Data.Text;
using TinyClip.Model;
using static TorchSharp.torch;

namespace TinyClip.Actors.Evaluation;

/// <summary>
/// Text embeddings of many prompts (1,000 classes x 80 templates is 80,000), tokenized and encoded
/// <c>batchSize</c> at a time, so neither the tokens nor the activations of all prompts are held at once.
/// </summary>
public static class PromptEncoder
{
    /// <returns>Prompts x D on the CPU, in the order given, owned by the caller's dispose scope.</returns>
    public static Tensor Encode(ClipModel model, ICaptionTokenizer tokenizer, IReadOnlyList<string> prompts, int contextLength, int batchSize)
    {
        model.eval();
        var device = model.LogitScale.device;
        using var embeddings = new RowBlocks();
        foreach (var batch in prompts.Chunk(batchSize))
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var ids = batch.SelectMany(p => tokenizer.Encode(p, contextLength)).ToArray();
            var tokens = tensor(ids, new long[] { batch.Length, contextLength }).to(ScalarType.Int64).to(device);
            embeddings.Add(model.EncodeText(tokens).cpu());
        }
        return embeddings.Concat();
    }
}
