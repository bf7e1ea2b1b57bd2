using System.Text;

namespace TinyClip.Model;

/// <summary>The architecture and parameter lines that <c>tinyclip info</c> prints, for a checkpoint or a named model.</summary>
public static class ArchitectureDescription
{
    public static void Append(StringBuilder text, ClipConfig config, ParameterCounts counts)
    {
        var t = config.Text;
        text.AppendLine($"embed dim    {config.EmbedDim}, activation {(config.QuickGelu ? "QuickGELU" : "GELU")}");
        text.AppendLine($"image tower  {config.Vision}");
        text.AppendLine($"text tower   context {t.ContextLength}, vocab {t.VocabSize}, {t.Tower}");
        text.AppendLine($"parameters   image {counts.Image:N0}, text {counts.Text:N0} ({counts.TextWithoutTokenEmbedding:N0} without token embedding), total {counts.Total:N0}");
    }
}
