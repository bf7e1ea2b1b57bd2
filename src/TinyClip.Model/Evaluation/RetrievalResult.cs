namespace TinyClip.Model.Evaluation;

/// <summary>
/// Recall@K (fractions in [0, 1]) of paired retrieval over <paramref name="Count"/> pairs:
/// image->text (each image queries all texts) and text->image (each text queries all images).
/// </summary>
public sealed record RetrievalResult(
    double ImageToTextR1, double ImageToTextR5, double ImageToTextR10,
    double TextToImageR1, double TextToImageR5, double TextToImageR10,
    long Count);
