using TorchSharp;

namespace TinyClip.Actors.Training;

/// <summary>
/// libtorch's intra-op thread count belongs to each thread: OpenMP's and MKL's per-thread settings, which libtorch sets
/// from a process-wide value the first time the thread computes, and never again. A trainer thread that first computed
/// while the process-wide value was another (set by another run in the same process, or not yet set) would keep that
/// count, and a reduction split over another number of threads adds in another order: other bits (490 of 92,289
/// first-step gradient values of the tiny test model differed between 1 and 2 threads). A trainer therefore pins its
/// count on its own thread before its first tensor.
/// </summary>
public static class IntraOpThreads
{
    public static void Pin(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        // get_num_threads first: it runs this thread's one-time initialisation, which would otherwise overwrite the
        // count set here with the process-wide value at the thread's first computation.
        if (torch.get_num_threads() != threads) torch.set_num_threads(threads);
    }
}
