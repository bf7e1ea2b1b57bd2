using static TorchSharp.torch;

namespace TinyClip.Actors.Evaluation;

/// <summary>
/// Row blocks (batches of embeddings) gathered outside any dispose scope as they are computed, concatenated once at the
/// end; the blocks are released when this is disposed, whatever happened in between.
/// </summary>
public sealed class RowBlocks : IDisposable
{
    private readonly List<Tensor> _blocks = new();

    public int Rows { get; private set; }

    /// <summary>Takes ownership of <paramref name="block"/> (it is detached from the caller's dispose scope).</summary>
    public void Add(Tensor block)
    {
        _blocks.Add(block.DetachFromDisposeScope());
        Rows += (int)block.shape[0];
    }

    /// <summary>All rows in one tensor, owned by the caller's dispose scope (or the caller, without one).</summary>
    public Tensor Concat()
    {
        if (_blocks.Count == 0) throw new InvalidOperationException("no rows were added");
        return cat(_blocks, 0);
    }

    public void Dispose()
    {
        foreach (var block in _blocks) block.Dispose();
        _blocks.Clear();
    }
}
