using static TorchSharp.torch;

namespace TinyClip.Model;

/// <summary>The Lagrangian term of one step (with graph to the log-alphas and lambdas) and what it was computed from.</summary>
public sealed record SparsityPenalty(Tensor Loss, double ExpectedSparsity, double TargetSparsity);
