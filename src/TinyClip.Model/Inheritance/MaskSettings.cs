namespace TinyClip.Model;

/// <summary>
/// Settings of an automatic-inheritance stage. Defaults are the reference work's: log-alpha +10, lambdas 10,
/// hinged Lagrangian, masks and lambdas stepped by AdamW at a constant 0.02 without weight decay.
/// </summary>
public sealed record MaskSettings(
    SparsityRamp Ramp,
    LagrangianForm Form = LagrangianForm.Hinged,
    double InitialLogAlpha = HardConcreteMask.InitialLogAlpha,
    double InitialLambda = SparsityLagrangian.InitialLambda,
    double LearningRate = 0.02);
