using TinyClip.Configuration;

namespace TinyClip.Actors.Configuration;

/// <summary>tinyclip.eval: what the evaluator measures on data.val-paths, where, and how it reports.</summary>
/// <param name="Classes">Class names file; empty = no zero-shot (retrieval and the validation loss only).</param>
/// <param name="Device">cpu or cuda:N (spelling checked here; availability when the evaluator starts, see <see cref="DeviceName.Available"/>).</param>
/// <param name="ReadAheadBatches">Batches decoded ahead of the one being encoded.</param>
/// <param name="ProgressInterval">A progress line at most this often during an evaluation.</param>
/// <param name="CompactHeapEveryBatches">Batches between compactions of the managed heap (see <see cref="Evaluation.HeapCompaction"/>); 0 = never.</param>
public sealed record EvalSettings(string Classes, string Templates, int MaxSamples, int BatchSize, string Device, int ReadAheadBatches,
    TimeSpan ProgressInterval, int CompactHeapEveryBatches)
{
    public static EvalSettings Read(SettingsReader eval)
    {
        var device = eval.String("device", allowEmpty: false);
        if (!DeviceName.IsValid(device)) throw new InvalidSettingException(eval.Key("device"), $"'{device}' is not a device (cpu, cuda:N)");
        return new EvalSettings(eval.String("classes"), eval.String("templates"), eval.Int("max-samples", 0), eval.Int("batch-size", 1), device,
            eval.Int("read-ahead-batches", 1, 64), eval.Duration("progress-interval"), eval.Int("compact-heap-every-batches", 0));
    }

    /// <summary>The shipped defaults (hocon/reference.conf), for `tinyclip eval`, which has no configuration file.</summary>
    public static EvalSettings Reference => Read(new SettingsReader(TinyClipConfig.Reference, "tinyclip.eval"));
}
