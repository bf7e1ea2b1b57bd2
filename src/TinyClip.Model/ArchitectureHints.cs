namespace TinyClip.Model;

/// <summary>
/// What tensor shapes cannot reveal. The packed attention projection has 3*H*d rows, so H and d cannot be
/// separated from shapes alone; like OpenCLIP (<c>width // 64</c>) we assume d = 64 unless told otherwise.
/// The activation leaves no trace in the weights at all.
/// </summary>
public sealed record ArchitectureHints(int VisionHeadWidth = 64, int TextHeadWidth = 64, bool QuickGelu = false)
{
    public static ArchitectureHints OpenClipDefaults { get; } = new();

    /// <summary>Hints that reproduce <paramref name="config"/>'s head widths and activation.</summary>
    public static ArchitectureHints From(ClipConfig config) =>
        new(config.Vision.HeadWidth, config.Text.HeadWidth, config.QuickGelu);

    // Safetensors metadata keys under which this project records the hints when it saves a model.
    internal const string VisionHeadWidthKey = "tinyclip.vision_head_width";
    internal const string TextHeadWidthKey = "tinyclip.text_head_width";
    internal const string QuickGeluKey = "tinyclip.quick_gelu";

    public IReadOnlyDictionary<string, string> ToMetadata() => new Dictionary<string, string>
    {
        [VisionHeadWidthKey] = VisionHeadWidth.ToString(System.Globalization.CultureInfo.InvariantCulture),
        [TextHeadWidthKey] = TextHeadWidth.ToString(System.Globalization.CultureInfo.InvariantCulture),
        [QuickGeluKey] = QuickGelu ? "true" : "false",
    };

    /// <summary>
    /// Hints recorded in a checkpoint's metadata; for anything absent, <paramref name="fallback"/>'s value
    /// (the user's description of the architecture), else OpenCLIP's defaults.
    /// </summary>
    public static ArchitectureHints FromMetadata(IReadOnlyDictionary<string, string> metadata, ArchitectureHints? fallback = null)
    {
        var hints = fallback ?? OpenClipDefaults;
        if (metadata.TryGetValue(VisionHeadWidthKey, out var v) && int.TryParse(v, out var vision)) hints = hints with { VisionHeadWidth = vision };
        if (metadata.TryGetValue(TextHeadWidthKey, out var t) && int.TryParse(t, out var text)) hints = hints with { TextHeadWidth = text };
        if (metadata.TryGetValue(QuickGeluKey, out var q)) hints = hints with { QuickGelu = q == "true" };
        return hints;
    }
}
