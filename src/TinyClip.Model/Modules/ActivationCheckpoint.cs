using TorchSharp;
using static TorchSharp.torch;

namespace TinyClip.Model;

/// <summary>
/// Activation checkpointing of one piece of a forward (a transformer block): the forward runs without a graph and
/// keeps only its inputs; the backward runs the piece again with a graph and back-propagates through it (a backward
/// inside the backward, as PyTorch's reentrant <c>torch.utils.checkpoint</c> does). Activation memory of the stack is
/// then its blocks' inputs plus one block's activations, for one extra block forward per step. The piece must compute
/// the same thing twice: true of CLIP blocks (no dropout; masks are sampled outside and passed as inputs).
/// </summary>
public sealed class ActivationCheckpoint : autograd.MultiTensorFunction<ActivationCheckpoint>
{
    private const string PieceKey = "piece", InputKindsKey = "input-kinds", GradientsKey = "gradients";

    public override string Name => nameof(ActivationCheckpoint);

    /// <summary>
    /// <paramref name="piece"/>(inputs) with its activations recomputed in the backward. Null inputs stay null; inputs
    /// that require a gradient get one, and the parameters the piece uses accumulate theirs as in a plain backward.
    /// </summary>
    public static Tensor Run(Func<Tensor?[], Tensor> piece, params Tensor?[] inputs) =>
        apply([piece, .. inputs.Cast<object?>()])[0];

    public override List<Tensor> forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var piece = (Func<Tensor?[], Tensor>)vars[0];
        var inputs = Inputs(vars);
        ctx.save_data(PieceKey, piece);
        ctx.save_for_backward(inputs.Where(t => t is not null).Select(t => t!).ToList());
        ctx.save_data(InputKindsKey, inputs.Select(t => t is null ? -1 : t.requires_grad ? 1 : 0).ToArray());
        using var scope = NewDisposeScope();
        return [piece(inputs).MoveToOuterDisposeScope()];
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1725", Justification = "TorchSharp's base names it grad_outputs; our parameters are camelCase")]
    public override List<Tensor> backward(autograd.AutogradContext ctx, List<Tensor> gradOutputs)
    {
        var piece = (Func<Tensor?[], Tensor>)ctx.get_data(PieceKey);
        var kinds = (int[])ctx.get_data(InputKindsKey);
        using var scope = NewDisposeScope(); // the recomputed activations are freed when this backward ends
        var saved = new Queue<Tensor>(ctx.get_saved_variables());
        var leaves = kinds.Select(kind => kind < 0 ? null : saved.Dequeue().detach().requires_grad_(kind == 1)).ToArray();
        Tensor output;
        using (enable_grad()) output = piece(leaves);
        autograd.backward([output], [gradOutputs[0]]);
        // Kept referenced by the context until the node is freed: libtorch reads them after this method returns.
        var gradients = leaves.Select(leaf => leaf?.grad?.MoveToOuterDisposeScope()).ToList();
        ctx.save_data(GradientsKey, gradients);
        return [null!, .. gradients.Select(gradient => gradient!)];
    }

    private static Tensor?[] Inputs(object[] vars) => vars.Skip(1).Select(v => v as Tensor).ToArray();
}
