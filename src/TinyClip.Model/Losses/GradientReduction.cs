namespace TinyClip.Model.Losses;

/// <summary>How the runtime must combine the parameter gradients of the W trainers before the optimiser step.</summary>
public enum GradientReduction
{
    /// <summary>Element-wise sum over trainers.</summary>
    Sum,

    /// <summary>Element-wise sum over trainers divided by W.</summary>
    Mean,
}
