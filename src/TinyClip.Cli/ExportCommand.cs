using System.CommandLine;
using TinyClip.Actors.Configuration;
using TinyClip.Actors.Persistence;
using TinyClip.Actors.Training;
using TinyClip.Configuration;
using TinyClip.Model;

namespace TinyClip.Cli;

/// <summary>What <c>export</c> wrote: the stage, the output file and its architecture.</summary>
public sealed record ExportedStudent(string Stage, string File, string Sha256, ClipConfig Config, ParameterCounts Counts);

/// <summary>
/// <c>export</c>: a standalone OpenCLIP-named safetensors file, either the final student of a completed stage of a run
/// (<c>--run-dir</c>) or the model of any loadable checkpoint (<c>--checkpoint</c>), such as one of TinyCLIP's
/// released files; a full model under masks is written as the compact student its masks prune it to.
/// </summary>
public static class ExportCommand
{
    public static Command Create()
    {
        var runDir = new Option<string?>("--run-dir") { Description = "Run directory whose completed stage to export" };
        var stage = new Option<string?>("--stage") { Description = "Completed stage whose final student to export (default: the last completed stage)" };
        var checkpoint = new Option<string?>("--checkpoint")
        {
            Description = "Instead of --run-dir: a checkpoint (OpenCLIP or TinyCLIP names; .pt/.bin with --allow-pickle); one under masks is exported pruned",
        };
        var arch = CheckpointModel.ArchOption();
        var config = CheckpointModel.ConfigOption();
        var allowPickle = CheckpointModel.AllowPickleOption();
        var output = new Option<string>("--out") { Description = "Output .safetensors file", Required = true };
        var command = new Command("export", "Write a completed stage's final student or a checkpoint's (compact) model as OpenCLIP-named safetensors")
            { runDir, stage, checkpoint, arch, config, allowPickle, output };
        command.SetAction((result, cancellationToken) => CliErrors.Report(async () =>
        {
            string? runDirectory = result.GetValue(runDir), checkpointPath = result.GetValue(checkpoint);
            if ((runDirectory is null) == (checkpointPath is null))
                throw new InvalidSettingException("--run-dir/--checkpoint", "give exactly one of them");
            if (checkpointPath is not null)
            {
                if (result.GetValue(stage) is not null) throw new InvalidSettingException("--stage", "applies to --run-dir only");
                var model = ExportCheckpoint(checkpointPath, result.GetValue(allowPickle),
                    CheckpointModel.DescribedHints(result.GetValue(arch), result.GetValue(config)), result.GetValue(output)!);
                Console.WriteLine($"exported {model.Source} to {model.File}");
                Console.WriteLine($"  image {model.Counts.Image:N0} + text {model.Counts.Text:N0} parameters, sha256 {model.Sha256}");
                return 0;
            }
            var exported = await ExportAsync(runDirectory!, result.GetValue(stage), result.GetValue(output)!, cancellationToken);
            Console.WriteLine($"exported stage '{exported.Stage}' to {exported.File}");
            Console.WriteLine($"  image {exported.Counts.Image:N0} + text {exported.Counts.Text:N0} parameters, sha256 {exported.Sha256}");
            return 0;
        }));
        return command;
    }

    /// <summary>
    /// The model of <paramref name="checkpoint"/> (pruned under its masks if it has any) as OpenCLIP-named safetensors
    /// with the architecture-hint metadata, so that it loads back with no hints. Hints for reading it: the file's
    /// metadata, then <paramref name="described"/> (--arch/--config), then OpenCLIP's defaults.
    /// </summary>
    public static ExportedCheckpoint ExportCheckpoint(string checkpoint, bool allowPickle, ArchitectureHints? described, string output)
    {
        using var model = CheckpointModel.Load(checkpoint, allowPickle, described);
        var sha = ClipCheckpoint.Save(model, output);
        return new ExportedCheckpoint(Path.GetFullPath(checkpoint), Path.GetFullPath(output), sha, model.Config, ClipLayout.Count(model.Config));
    }

    public static async Task<ExportedStudent> ExportAsync(string runDirectory, string? stage, string output, CancellationToken cancellationToken = default)
    {
        var events = await JournalReader.ReadAsync(runDirectory, cancellationToken);
        var completed = events.OfType<StageCompleted>().ToList();
        if (completed.Count == 0) throw new InvalidDataException($"the run in '{runDirectory}' has no completed stage yet");
        var chosen = stage is null ? completed[^1]
            : completed.LastOrDefault(c => c.Stage == stage)
              ?? throw new InvalidSettingException("--stage", $"stage '{stage}' has not completed; completed: {string.Join(", ", completed.Select(c => c.Stage))}");

        // The run directory may have moved since training, so the file is looked up under the directory given, not
        // by the absolute path the event recorded; the recorded hash proves it is the same file.
        var source = StageCheckpoints.FinalStudentPath(runDirectory, chosen.Stage);
        if (!File.Exists(source)) throw new FileNotFoundException($"the final student of stage '{chosen.Stage}' is missing: {source}", source);
        var sha = AtomicFile.Sha256(source);
        if (sha != chosen.Sha256)
            throw new InvalidDataException($"{source}: SHA-256 {sha} does not match the {chosen.Sha256} recorded when stage '{chosen.Stage}' completed (altered or truncated); not exporting it");

        // The student was saved with OpenCLIP names and the architecture-hint metadata, so the bytes are copied as
        // they are; reading the header first refuses anything that is not a loadable model.
        var (shapes, metadata) = SafeTensors.ReadHeaderOnly(source);
        var config = StateDictArchitecture.Infer(shapes, ArchitectureHints.FromMetadata(metadata));
        var written = AtomicFile.Write(output, stream =>
        {
            using var input = File.OpenRead(source);
            input.CopyTo(stream);
        });
        if (written != chosen.Sha256)
            throw new InvalidDataException($"{source} changed while it was copied to {output}; export again");
        return new ExportedStudent(chosen.Stage, Path.GetFullPath(output), written, config, ClipLayout.Count(config));
    }
}
