namespace TinyClip.Benchmarks.Harness;

/// <summary>
/// Runs training work on a fresh dedicated thread, as the trainer actor's pinned dispatcher does, so the bare loops run under
/// the same conditions as the runtime: TorchSharp state (dispose scopes, no-grad, libtorch's per-thread settings) is per
/// thread, and async code here may continue on a pool thread that other code (RunHost) has configured.
/// No benchmark sets libtorch's thread count: with one trainer the runtime's default (cores / trainers) is libtorch's default.
/// </summary>
public static class TrainingThread
{
    public static T Run<T>(Func<T> work)
    {
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try { result = work(); }
            catch (Exception e) { failure = e; }
        }, maxStackSize: 16 * 1024 * 1024) { Name = "benchmark-trainer" };
        thread.Start();
        thread.Join();
        if (failure is not null) throw new AggregateException("training thread failed", failure);
        return result;
    }

    /// <summary>libtorch's intra-op thread count as a fresh thread sees it.</summary>
    public static int LibTorchThreads() => Run(TorchSharp.torch.get_num_threads);
}
