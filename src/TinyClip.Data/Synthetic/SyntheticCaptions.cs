namespace TinyClip.Data.Synthetic;

/// <summary>Caption templates for training and prompt templates for zero-shot evaluation.</summary>
public static class SyntheticCaptions
{
    private static readonly string[] TrainingTemplates =
    [
        "a photo of a {colour} {shape}",
        "a {size} {colour} {shape} on a {background} background",
        "a {colour} {shape}",
        "a picture of a {size} {colour} {shape}",
        "a {colour} {shape} on {background}",
        "there is a {colour} {shape} in the image",
    ];

    /// <summary>Zero-shot prompts; <c>{}</c> is replaced by a class name such as "red circle".</summary>
    public static readonly string[] ZeroShotTemplates = ["a photo of a {}.", "a {}.", "a picture of a {}.", "a {} on a background."];

    public static string Caption(SyntheticScene scene, DeterministicRandom random) =>
        TrainingTemplates[random.NextInt(0, TrainingTemplates.Length)]
            .Replace("{colour}", SyntheticScene.Colours[scene.Colour])
            .Replace("{shape}", SyntheticScene.Shapes[scene.Shape])
            .Replace("{size}", SyntheticScene.Sizes[scene.Size])
            .Replace("{background}", SyntheticScene.Backgrounds[scene.Background]);
}
