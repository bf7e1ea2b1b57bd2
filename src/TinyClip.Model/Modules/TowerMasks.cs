using static TorchSharp.torch;

namespace TinyClip.Model;

/// <summary>
/// Structured masks for one tower (automatic weight inheritance, docs/method.md), threaded through
/// the forward. Any of them may be null (= all ones).
/// <list type="bullet">
/// <item><see cref="Heads"/> (L, H) scales each head's attention output before out_proj.</item>
/// <item><see cref="Intermediate"/> (L, M) scales the MLP hidden activations.</item>
/// <item><see cref="Hidden"/> (C) scales the embeddings, each block's attention and MLP output and the pooled
/// feature before the final projection; LayerNorms normalise over the dims where it is non-zero only
/// (see <see cref="MaskedLayerNorm"/>).</item>
/// </list>
/// A sub-layer whose head (or intermediate) mask row is entirely zero adds nothing to the residual stream,
/// not even its output bias: that is what the pruned model, which has no such sub-layer, computes.
/// </summary>
public sealed record TowerMasks(Tensor? Heads, Tensor? Intermediate, Tensor? Hidden = null)
{
    public Tensor? HeadsOf(int layer) => Heads?[layer];

    public Tensor? IntermediateOf(int layer) => Intermediate?[layer];
}
