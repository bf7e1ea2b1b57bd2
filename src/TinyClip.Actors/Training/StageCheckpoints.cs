using System.Globalization;
using TinyClip.Actors.Runtime;
using TinyClip.Data.Ordering;
using TinyClip.Model;

namespace TinyClip.Actors.Training;

/// <summary>
/// The files of a stage's checkpoints under checkpoints/&lt;stage&gt;/: step-N.optim.safetensors (optimiser state),
/// then step-N.safetensors (the student with OpenCLIP names; its metadata holds the optimiser file's SHA-256 and
/// the cursor). Both are written atomically; the supervisor records the student file's SHA-256, so a truncated or
/// altered file of either kind is detected on load and the previous checkpoint is used instead.
/// Randomness needs no saved generator state: every random draw is seeded from (seed, stage, step, sample).
/// </summary>
public sealed class StageCheckpoints(string runDirectory, string stage, int keepLast)
{
    private const string OptimizerShaKey = "tinyclip.optimizer_sha256";
    private const string CursorKey = "tinyclip.cursor";
    private const string StepKey = "tinyclip.step";

    public string Directory { get; } = Path.Combine(runDirectory, "checkpoints", stage);

    public string StudentPath(long step) => Path.Combine(Directory, $"step-{step}.safetensors");
    private string OptimizerPath(long step) => Path.Combine(Directory, $"step-{step}.optim.safetensors");

    /// <summary>
    /// Deletes temporary files left by a process killed in the middle of a checkpoint write. Only called by the process
    /// that holds the run directory's lock, so every temporary file there belongs to a dead writer.
    /// </summary>
    public void RemoveStaleTemporaryFiles()
    {
        if (!System.IO.Directory.Exists(Directory)) return;
        foreach (var file in System.IO.Directory.EnumerateFiles(Directory, ".*.tmp")) File.Delete(file);
    }

    /// <summary>The stage's final student, the file later stages inherit from and `export` copies.</summary>
    public static string FinalStudentPath(string runDirectory, string stage) => Path.Combine(runDirectory, "students", stage + ".safetensors");

    /// <summary>Writes both files of <paramref name="snapshot"/> durably; returns the student file's SHA-256 for the commit
    /// event. Called on the trainer's thread or on a <see cref="BackgroundCheckpointWriter"/>'s.</summary>
    public string Write(CheckpointSnapshot snapshot)
    {
        var optimizerSha = SafeTensors.Write(OptimizerPath(snapshot.Step), snapshot.Optimizer);
        return ClipCheckpoint.Save(snapshot.Student, snapshot.Config, StudentPath(snapshot.Step), new Dictionary<string, string>
        {
            [OptimizerShaKey] = optimizerSha,
            [CursorKey] = snapshot.Next.ToJson(),
            [StepKey] = snapshot.Step.ToString(CultureInfo.InvariantCulture),
        });
    }

    /// <summary>
    /// Reads both files of a committed checkpoint into CPU memory for <paramref name="holders"/> trainers to load from (see
    /// <see cref="ResumeCheckpoint"/>), each in one pass that also checks its SHA-256 (the student file's against the
    /// commit event, the optimiser file's against the student file's metadata). Null, with the reason in
    /// <paramref name="problem"/>, when either file is missing, altered or truncated.
    /// </summary>
    public static ResumeCheckpoint? TryRead(CheckpointRef checkpoint, int holders, out string? problem)
    {
        LoadedCheckpoint? weights = null;
        try
        {
            weights = SafeTensors.Read(checkpoint.File, checkpoint.Sha256);
            if (!weights.Metadata.TryGetValue(OptimizerShaKey, out var optimizerSha) || !weights.Metadata.ContainsKey(CursorKey))
                throw new CheckpointFormatException(checkpoint.File, null, "metadata lacks the optimiser hash or the cursor");
            var optimizer = SafeTensors.Read(OptimizerPathOf(checkpoint.File), optimizerSha);
            problem = null;
            return new ResumeCheckpoint(checkpoint, weights, optimizer, holders);
        }
        catch (Exception e) when (e is CheckpointFormatException or IOException)
        {
            weights?.Dispose();
            // The failure path only: hashed again, so that the reason names what differs, as a plain verification does.
            problem = Verify(checkpoint) ?? e.Message;
            return null;
        }
    }

    /// <summary>Why the checkpoint cannot be used, or null when both files are intact.</summary>
    public static string? Verify(CheckpointRef checkpoint)
    {
        if (!File.Exists(checkpoint.File)) return "file is missing";
        var sha = AtomicFile.Sha256(checkpoint.File);
        if (sha != checkpoint.Sha256) return $"SHA-256 {sha} does not match the committed {checkpoint.Sha256}";
        try
        {
            var (_, metadata) = SafeTensors.ReadHeaderOnly(checkpoint.File);
            if (!metadata.TryGetValue(OptimizerShaKey, out var optimizerSha) || !metadata.ContainsKey(CursorKey))
                return "metadata lacks the optimiser hash or the cursor";
            var optimizerFile = OptimizerPathOf(checkpoint.File);
            if (!File.Exists(optimizerFile)) return "optimiser file is missing";
            if (AtomicFile.Sha256(optimizerFile) != optimizerSha) return "optimiser file does not match its recorded SHA-256";
            return null;
        }
        catch (CheckpointFormatException e)
        {
            return e.Message;
        }
    }

    /// <summary>
    /// Called right after checkpoint <paramref name="newStep"/> is written: keeps the newest <c>keepLast - 1</c> older
    /// checkpoints (so <c>keepLast</c> in all), but always at least one, because the new one is not committed until the
    /// supervisor has stored its event.
    /// </summary>
    /// <param name="lastCommitted">The newest step the supervisor has acknowledged as committed: never deleted, so that
    /// trainers running ahead of an absent supervisor (journal down, coordinator moving) cannot delete the checkpoint a
    /// restart would resume from.</param>
    public void PruneOlderThan(long newStep, long? lastCommitted)
    {
        foreach (var step in WrittenSteps().Where(s => s < newStep).OrderByDescending(s => s).Skip(Math.Max(1, keepLast - 1)).Where(s => s != lastCommitted))
        {
            File.Delete(StudentPath(step));
            File.Delete(OptimizerPath(step));
        }
    }

    /// <summary>Steps whose student file is in the stage's directory (file names step-N.safetensors).</summary>
    private IEnumerable<long> WrittenSteps() =>
        System.IO.Directory.EnumerateFiles(Directory, "step-*.safetensors")
            .Select(Path.GetFileName)
            .Where(name => !name!.Contains(".optim."))
            .Select(name => long.TryParse(name!["step-".Length..^".safetensors".Length], out var step) ? step : -1)
            .Where(step => step >= 0);

    private static string OptimizerPathOf(string studentFile) =>
        Path.Combine(Path.GetDirectoryName(studentFile)!, Path.GetFileNameWithoutExtension(studentFile) + ".optim.safetensors");
}
