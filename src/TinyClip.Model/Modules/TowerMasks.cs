using static TorchSharp.torch;

namespace TinyClip.Model;

/// <summary>
/// Structured masks for one tower (automatic weight inheritance, METHOD.md section 2), threaded through
/// the transformer blocks. <see cref="Heads"/> (L, H) scales each head's attention output before out_proj;
/// <see cref="Intermediate"/> (L, M) scales the MLP hidden activations. Either may be null.
/// The hidden-dimension mask (and LayerNorm over kept dims) is not part of this type yet.
/// </summary>
public sealed record TowerMasks(Tensor? Heads, Tensor? Intermediate)
{
    public Tensor? HeadsOf(int layer) => Heads?[layer];

    public Tensor? IntermediateOf(int layer) => Intermediate?[layer];
}
