namespace TinyClip.Model;

/// <summary>
/// A CLIP architecture as data. <see cref="QuickGelu"/> selects OpenAI's x*sigmoid(1.702x) activation
/// instead of exact (erf) GELU; it is the one architectural fact that tensor shapes cannot reveal.
/// </summary>
public sealed record ClipConfig(int EmbedDim, VisionConfig Vision, TextConfig Text, bool QuickGelu = false)
{
    /// <summary>Same architecture with another text vocabulary (the demo learns its own tokenizer).</summary>
    public ClipConfig WithVocabSize(int vocabSize) => this with { Text = Text with { VocabSize = vocabSize } };

    public static ClipConfig FromOpenClipJson(string json) => OpenClipJson.Parse(json);

    public string ToOpenClipJson() => OpenClipJson.Write(this);

    /// <summary>Parameters per tower, counted from the layout without allocating tensors.</summary>
    public (long Image, long Text) ParameterCounts()
    {
        var counts = ClipLayout.Count(this);
        return (counts.Image, counts.Text);
    }

    public void Validate()
    {
        if (EmbedDim <= 0) throw new ArgumentException($"embed dim must be positive, got {EmbedDim}");
        Vision.Validate();
        Text.Validate();
    }
}
