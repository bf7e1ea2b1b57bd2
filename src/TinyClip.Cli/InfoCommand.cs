using System.CommandLine;
using System.Text.Json;
using TinyClip.Model;

namespace TinyClip.Cli;

/// <summary><c>info</c>: a checkpoint's format, inferred architecture and parameter counts per tower.</summary>
public static class InfoCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "Model checkpoint (.safetensors; .pt/.bin with --allow-pickle)", Required = true };
        var json = new Option<bool>("--json") { Description = "Machine-readable output" };
        var allowPickle = new Option<bool>("--allow-pickle") { Description = "Allow PyTorch pickle checkpoints (unpickling untrusted files is unsafe)" };
        var command = new Command("info", "Show a checkpoint's architecture (inferred from its shapes) and parameter counts") { checkpoint, json, allowPickle };
        command.SetAction((result, cancellationToken) => CliErrors.Report(() =>
        {
            var info = CheckpointInfo.Inspect(result.GetValue(checkpoint)!, result.GetValue(allowPickle));
            Console.WriteLine(result.GetValue(json)
                ? JsonSerializer.Serialize(ToJson(info), JsonOutput.Indented)
                : info.Describe().TrimEnd());
            return Task.FromResult(0);
        }));
        return command;
    }

    /// <summary>The JSON form: OpenCLIP's config vocabulary where it has a word, per-layer shapes where towers are pruned.</summary>
    public static Dictionary<string, object> ToJson(CheckpointInfo info)
    {
        var v = info.Config.Vision;
        var t = info.Config.Text;
        return new Dictionary<string, object>
        {
            ["checkpoint"] = info.Path,
            ["format"] = info.Format.ToString(),
            ["embed_dim"] = info.Config.EmbedDim,
            ["quick_gelu"] = info.Config.QuickGelu,
            ["vision"] = new Dictionary<string, object>
            {
                ["image_size"] = v.ImageSize,
                ["patch_size"] = v.PatchSize,
                ["width"] = v.Width,
                ["layers"] = v.Layers,
                ["head_width"] = v.HeadWidth,
                ["blocks"] = Blocks(v.Tower),
            },
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
                ["image"] = info.Counts.Image,
                ["text"] = info.Counts.Text,
                ["text_without_token_embedding"] = info.Counts.TextWithoutTokenEmbedding,
                ["total"] = info.Counts.Total,
            },
            ["metadata"] = info.Metadata,
        };
    }

    private static object Blocks(TowerShape tower) =>
        tower.Blocks.Select(b => new Dictionary<string, int> { ["heads"] = b.Heads, ["mlp_width"] = b.MlpWidth }).ToList();
}
