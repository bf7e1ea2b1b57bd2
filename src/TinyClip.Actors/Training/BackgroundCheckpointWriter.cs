namespace TinyClip.Actors.Training;

/// <summary>
/// Takes checkpoint writes off the trainer's thread. The trainer copies its state (<see cref="CheckpointSnapshot"/>)
/// and goes on; a long-running task of its own writes, hashes and fsyncs the files and then commits them (the caller's
/// <c>write</c> sends the commit event only after its files are durable). At most one write is in flight: the next
/// <see cref="Write"/> waits for it before taking its snapshot, so memory holds one snapshot at a time and commits
/// arrive in step order. A failed write is never lost: it is rethrown on the trainer's thread by the next
/// <see cref="Write"/>, <see cref="WaitForPrevious"/> or <see cref="ThrowIfFailed"/>. Called from one thread only.
/// </summary>
public sealed class BackgroundCheckpointWriter
{
    private Task? _inFlight;

    /// <summary>A write was started and has not finished.</summary>
    public bool IsWriting => _inFlight is { IsCompleted: false };

    /// <summary>Waits for the write in flight (back-pressure), takes the next snapshot on this thread, and writes it
    /// on the writer's; the snapshot is disposed after <paramref name="write"/>, whether it succeeded or not.</summary>
    public void Write(Func<CheckpointSnapshot> takeSnapshot, Action<CheckpointSnapshot> write)
    {
        WaitForPrevious();
        var snapshot = takeSnapshot();
        _inFlight = Task.Factory.StartNew(() =>
        {
            using (snapshot) write(snapshot);
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>Blocks until the write in flight, if any, is done; rethrows its failure.</summary>
    public void WaitForPrevious()
    {
        var previous = _inFlight;
        _inFlight = null;
        previous?.GetAwaiter().GetResult();
    }

    /// <summary>Rethrows the failure of a write that has already failed; never blocks.</summary>
    public void ThrowIfFailed()
    {
        if (_inFlight is { IsFaulted: true }) WaitForPrevious();
    }
}
