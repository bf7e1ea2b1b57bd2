namespace TinyClip.Model;

/// <summary>
/// Shape of one residual block: its attention head count and its MLP hidden width.
/// Zero heads means the block has no attention sub-layer (no ln_1/attn parameters);
/// zero MLP width means it has no MLP sub-layer (no ln_2/mlp parameters). Pruning produces both.
/// </summary>
public readonly record struct BlockShape(int Heads, int MlpWidth);
