using TinyClip.Actors.Runtime;
using TinyClip.Model;
using TinyClip.Model.Optim;

namespace TinyClip.Actors.Training;

/// <summary>
/// A committed checkpoint that its node verified and read into CPU memory once (<see cref="StageCheckpoints.TryRead"/>),
/// shared by the node's trainers: each copies the weights, the optimiser state and the mask state into its own model
/// (the tensors here are only read), then releases its share; the last release frees the tensors, so a node holds the
/// checkpoint once, and only while its trainers start.
/// </summary>
public sealed class ResumeCheckpoint
{
    private readonly LoadedCheckpoint _student;
    private readonly LoadedCheckpoint _optimizer;
    private int _holders;

    internal ResumeCheckpoint(CheckpointRef checkpoint, LoadedCheckpoint student, LoadedCheckpoint optimizer, int holders)
    {
        Checkpoint = checkpoint;
        _student = student;
        _optimizer = optimizer;
        _holders = holders;
    }

    public CheckpointRef Checkpoint { get; }

    public long Step => Checkpoint.Step;

    /// <summary>A new model of the checkpoint's own architecture (an auto stage resuming after its prune step).</summary>
    public ClipModel BuildStudent() => ClipModel.FromStateDict(_student.Tensors, ArchitectureHints.FromMetadata(_student.Metadata));

    /// <summary>Copies the checkpoint into <paramref name="student"/>, <paramref name="optimizer"/> and, for an auto stage
    /// before pruning, <paramref name="masks"/>.</summary>
    public void LoadInto(ClipModel student, AdamW optimizer, MaskLearning? masks)
    {
        student.LoadStateDict(_student.Tensors, strict: true);
        optimizer.LoadStateDict(_optimizer.Tensors.Where(kv => !MaskLearning.IsMaskEntry(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value));
        masks?.LoadStateDict(_optimizer.Tensors);
    }

    /// <summary>One holder is done with the checkpoint (loaded it, or failed before); the last one frees it.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _holders) != 0) return;
        _student.Dispose();
        _optimizer.Dispose();
    }
}
