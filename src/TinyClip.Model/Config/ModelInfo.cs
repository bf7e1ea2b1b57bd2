using System.Globalization;
using System.Text;

namespace TinyClip.Model;

/// <summary>
/// What <c>tinyclip info --model</c> reports for a named architecture (a preset or an OpenCLIP model-config JSON),
/// without weights: its parameter counts from the layout and, for TinyCLIP's released models, the counts TinyCLIP
/// publishes for them.
/// </summary>
public sealed record ModelInfo(string Model, ClipConfig Config, ParameterCounts Counts, PublishedParameterCounts? Published)
{
    /// <param name="model">a preset name or the path of a model-config JSON; a JSON file named after a TinyCLIP model
    /// (TinyCLIP's own model_configs are) is compared with that model's published counts</param>
    public static ModelInfo Of(string model, ClipConfig config) =>
        new(model, config, ClipLayout.Count(config),
            ClipPresets.PublishedCounts(model) ?? ClipPresets.PublishedCounts(System.IO.Path.GetFileNameWithoutExtension(model)));

    public static double Millions(long count) => Math.Round(count / 1e6, 1);

    public string Describe()
    {
        var text = new StringBuilder();
        text.AppendLine($"model        {Model}");
        ArchitectureDescription.Append(text, Config, Counts);
        if (Published is { } p)
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"published    image {p.ImageMillions}M, text {p.TextMillions}M (without token embedding); here image {Millions(Counts.Image)}M, text {Millions(Counts.TextWithoutTokenEmbedding)}M"));
        return text.ToString();
    }
}
