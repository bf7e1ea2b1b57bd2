using System.CommandLine;
using TinyClip.Actors.Configuration;
using TinyClip.Actors.Persistence;
using TinyClip.Actors.Training;
using TinyClip.Configuration;
using TinyClip.Model;

namespace TinyClip.Cli;

/// <summary>What <c>export</c> wrote: the stage, the output file and its architecture.</summary>
public sealed record ExportedStudent(string Stage, string File, string Sha256, ClipConfig Config, ParameterCounts Counts);

/// <summary><c>export</c>: the final student of a completed stage as a standalone OpenCLIP-named safetensors file.</summary>
public static class ExportCommand
{
    public static Command Create()
    {
        var runDir = new Option<string>("--run-dir") { Description = "Run directory", Required = true };
        var stage = new Option<string?>("--stage") { Description = "Completed stage whose final student to export (default: the last completed stage)" };
        var output = new Option<string>("--out") { Description = "Output .safetensors file", Required = true };
        var command = new Command("export", "Copy a completed stage's final student (OpenCLIP names) to a safetensors file") { runDir, stage, output };
        command.SetAction((result, cancellationToken) => CliErrors.Report(async () =>
        {
            var exported = await ExportAsync(result.GetValue(runDir)!, result.GetValue(stage), result.GetValue(output)!, cancellationToken);
            Console.WriteLine($"exported stage '{exported.Stage}' to {exported.File}");
            Console.WriteLine($"  image {exported.Counts.Image:N0} + text {exported.Counts.Text:N0} parameters, sha256 {exported.Sha256}");
            return 0;
        }));
        return command;
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
