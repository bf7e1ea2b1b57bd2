using TinyClip.Data.Ordering;
using TinyClip.Model;
using TinyClip.Model.Optim;
using static TorchSharp.torch;

namespace TinyClip.Actors.Training;

/// <summary>
/// Everything a stage checkpoint saves, copied into CPU tensors on the trainer's thread: the student's weights
/// (fp32, OpenCLIP names) and architecture, the optimiser state (with the mask state of an auto stage before pruning)
/// and the cursor of the next step. The copies do not change when training goes on, so the files can be written on
/// another thread (see <see cref="BackgroundCheckpointWriter"/>); the snapshot owns them and frees them when disposed.
/// </summary>
public sealed class CheckpointSnapshot : IDisposable
{
    private CheckpointSnapshot(long step, ClipConfig config, Dictionary<string, Tensor> student, Dictionary<string, Tensor> optimizer, Cursor next)
    {
        Step = step;
        Config = config;
        Student = student;
        Optimizer = optimizer;
        Next = next;
    }

    public long Step { get; }
    public ClipConfig Config { get; }
    public IReadOnlyDictionary<string, Tensor> Student { get; }
    public IReadOnlyDictionary<string, Tensor> Optimizer { get; }
    public Cursor Next { get; }

    /// <summary>Copies the state after step <paramref name="step"/>; takes ownership of <paramref name="maskState"/>
    /// (CPU copies already, see <see cref="MaskLearning.StateDict"/>).</summary>
    public static CheckpointSnapshot Take(long step, ClipModel student, AdamW optimizer, Cursor next, Dictionary<string, Tensor>? maskState)
    {
        var optimizerState = optimizer.StateDict();
        foreach (var (key, value) in maskState ?? new Dictionary<string, Tensor>()) optimizerState[key] = value;
        return new CheckpointSnapshot(step, student.Config, student.StateDictForSave(), optimizerState, next);
    }

    public void Dispose()
    {
        foreach (var t in Student.Values.Concat(Optimizer.Values)) t.Dispose();
    }
}
