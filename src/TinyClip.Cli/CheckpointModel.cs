using System.CommandLine;
using TinyClip.Actors.Configuration;
using TinyClip.Actors.Training;
using TinyClip.Configuration;
using TinyClip.Model;

namespace TinyClip.Cli;

/// <summary>
/// Loads the model of a checkpoint for the commands that run one (<c>embed</c>, <c>eval</c>). Shapes fix the
/// architecture; head widths and the activation, which shapes cannot show, come from the file's metadata, then from
/// the user's description (<c>--arch</c> preset or <c>--config</c> OpenCLIP JSON), then OpenCLIP's defaults.
/// </summary>
public static class CheckpointModel
{
    public static Option<string?> ArchOption() =>
        new("--arch") { Description = "Preset whose head widths and activation apply when the checkpoint's metadata lacks them" };

    public static Option<string?> ConfigOption() =>
        new("--config") { Description = "OpenCLIP model-config JSON, used like --arch" };

    public static Option<bool> AllowPickleOption() =>
        new("--allow-pickle") { Description = "Allow PyTorch pickle checkpoints (unpickling untrusted files is unsafe)" };

    public static ClipModel Load(string path, bool allowPickle, ArchitectureHints? described)
    {
        using var checkpoint = CheckpointLoader.Load(path, allowPickle);
        return ClipCheckpoint.ModelOf(checkpoint, ArchitectureHints.FromMetadata(checkpoint.Metadata, described));
    }

    /// <summary>The hints of a preset (--arch) or OpenCLIP JSON (--config); null when neither is given.</summary>
    public static ArchitectureHints? DescribedHints(string? preset, string? configFile)
    {
        if (preset is not null && configFile is not null)
            throw new InvalidSettingException("--arch/--config", "give one of them, not both");
        var (option, model) = preset is not null ? ("--arch", preset) : configFile is not null ? ("--config", configFile) : (null, null);
        if (option is null) return null;
        try
        {
            return ArchitectureHints.From(ModelCatalog.Resolve(model!, vocabularySize: null));
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            throw new InvalidSettingException(option, e.Message);
        }
    }
}
