using System.CommandLine;
using System.Text.Json;
using TinyClip.Actors.Training;
using TinyClip.Model;

namespace TinyClip.Cli;

/// <summary>
/// <c>info</c>: a checkpoint's format, inferred architecture and parameter counts per tower; or, with <c>--model</c>,
/// a preset's or model-config JSON's architecture and parameter counts without any weights, beside the counts
/// TinyCLIP publishes for its released models.
/// </summary>
public static class InfoCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "Model checkpoint (.safetensors; .pt/.bin with --allow-pickle)" };
        var model = new Option<string>("--model") { Description = "A model preset name or an OpenCLIP model-config JSON path (instead of --checkpoint)" };
        var json = new Option<bool>("--json") { Description = "Machine-readable output" };
        var allowPickle = CheckpointModel.AllowPickleOption();
        var arch = CheckpointModel.ArchOption();
        var configFile = CheckpointModel.ConfigOption();
        var command = new Command("info", "Show a checkpoint's architecture (inferred from its shapes) or a named model's, and parameter counts")
            { checkpoint, model, json, allowPickle, arch, configFile };
        command.SetAction((result, cancellationToken) => CliErrors.Report(() =>
        {
            string? checkpointPath = result.GetValue(checkpoint), modelName = result.GetValue(model);
            if ((checkpointPath is null) == (modelName is null))
                return Fail("info needs exactly one of --checkpoint and --model");
            bool asJson = result.GetValue(json);
            if (modelName is not null)
            {
                ClipConfig config;
                try { config = ModelCatalog.Resolve(modelName, null); }
                catch (ArgumentException e) { return Fail(e.Message); }
                var modelInfo = ModelInfo.Of(modelName, config);
                Console.WriteLine(asJson ? JsonSerializer.Serialize(ToJson(modelInfo), JsonOutput.Indented) : modelInfo.Describe().TrimEnd());
                return Task.FromResult(0);
            }
            var info = CheckpointInfo.Inspect(checkpointPath!, result.GetValue(allowPickle),
                CheckpointModel.DescribedHints(result.GetValue(arch), result.GetValue(configFile)));
            Console.WriteLine(asJson ? JsonSerializer.Serialize(ToJson(info), JsonOutput.Indented) : info.Describe().TrimEnd());
            return Task.FromResult(0);
        }));
        return command;
    }

    private static Task<int> Fail(string message)
    {
        Console.Error.WriteLine($"tinyclip: {message}");
        return Task.FromResult(2);
    }

    /// <summary>The JSON form of <c>--model</c>: the architecture and counts, and TinyCLIP's published counts where it has them.</summary>
    public static Dictionary<string, object?> ToJson(ModelInfo info)
    {
        var result = new Dictionary<string, object?> { ["model"] = info.Model };
        foreach (var (key, value) in Architecture(info.Config, info.Counts)) result[key] = value;
        result["published"] = info.Published is { } p
            ? new Dictionary<string, double> { ["image_millions"] = p.ImageMillions, ["text_millions"] = p.TextMillions }
            : null;
        return result;
    }

    /// <summary>The JSON form: OpenCLIP's config vocabulary where it has a word, per-layer shapes where towers are pruned.</summary>
    public static Dictionary<string, object> ToJson(CheckpointInfo info)
    {
        var result = new Dictionary<string, object>
        {
            ["checkpoint"] = info.Path,
            ["format"] = info.Format.ToString(),
        };
        foreach (var (key, value) in Architecture(info.Config, info.Counts)) result[key] = value;
        result["metadata"] = info.Metadata;
        return result;
    }

    private static Dictionary<string, object> Architecture(ClipConfig config, ParameterCounts counts)
    {
        var t = config.Text;
        return new Dictionary<string, object>
        {
            ["embed_dim"] = config.EmbedDim,
            ["quick_gelu"] = config.QuickGelu,
            ["vision"] = Vision(config.Vision),
            ["text"] = new Dictionary<string, object>
            {
                ["context_length"] = t.ContextLength,
                ["vocab_size"] = t.VocabSize,
                ["width"] = t.Width,
                ["layers"] = t.Layers,
                ["head_width"] = t.HeadWidth,
                ["blocks"] = Blocks(t.Tower),
            },
            ["parameters"] = new Dictionary<string, long>
            {
                ["image"] = counts.Image,
                ["text"] = counts.Text,
                ["text_without_token_embedding"] = counts.TextWithoutTokenEmbedding,
                ["total"] = counts.Total,
            },
        };
    }

    /// <summary>A ViT's patch size and per-layer blocks, or a ModifiedResNet's stage depths (OpenCLIP's <c>layers</c> list).</summary>
    private static Dictionary<string, object> Vision(VisionConfig v) => v.ResNet is { } depths
        ? new Dictionary<string, object>
        {
            ["kind"] = "ModifiedResNet",
            ["image_size"] = v.ImageSize,
            ["width"] = v.Width,
            ["layers"] = depths.AsList(),
            ["head_width"] = v.HeadWidth,
        }
        : new Dictionary<string, object>
        {
            ["kind"] = "ViT",
            ["image_size"] = v.ImageSize,
            ["patch_size"] = v.PatchSize,
            ["width"] = v.Width,
            ["layers"] = v.Layers,
            ["head_width"] = v.HeadWidth,
            ["blocks"] = Blocks(v.Tower),
        };

    private static object Blocks(TowerShape tower) =>
        tower.Blocks.Select(b => new Dictionary<string, int> { ["heads"] = b.Heads, ["mlp_width"] = b.MlpWidth }).ToList();
}
