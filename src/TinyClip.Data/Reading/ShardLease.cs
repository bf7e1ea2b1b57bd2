namespace TinyClip.Data.Reading;

/// <summary>A local file that stays on disk until the lease is disposed.</summary>
public sealed class ShardLease(string localPath, Action? release = null) : IDisposable
{
    private Action? _release = release;

    public string LocalPath { get; } = localPath;

    public void Dispose() => Interlocked.Exchange(ref _release, null)?.Invoke();
}
