namespace TinyClip.Model.Evaluation;

/// <summary>
/// Zero-shot classification over <paramref name="Count"/> images (fractions in [0, 1]): top-1 and top-5 accuracy, and the
/// mean over the classes that have images of each one's top-1 accuracy (its recall), which weighs every class alike
/// where the set is unbalanced.
/// </summary>
public sealed record ZeroShotResult(double Top1, double Top5, double MeanPerClassRecall, long Count);
