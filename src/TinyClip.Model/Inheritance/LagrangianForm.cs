namespace TinyClip.Model;

/// <summary>How the sparsity constraint enters the loss.</summary>
public enum LagrangianForm
{
    /// <summary>lambda1 max(q-p, 0) + lambda2 max(q-p, 0)^2: only a shortfall is penalised (the TinyCLIP method's default).</summary>
    Hinged,

    /// <summary>lambda1 (p-q) + lambda2 (p-q)^2: the paper's signed form, which also pulls back an overshoot.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "the value users write: lagrangian = signed")]
    Signed,
}
