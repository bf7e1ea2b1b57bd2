namespace TinyClip.Data.Remote;

/// <summary>
/// A remote shard could not be fetched: unreachable after every retry, or refused (its ETag, size or SHA-256 differs
/// from the manifest). It is an <see cref="IOException"/> so that a manifest build names the file and stops; the
/// row-group reader turns it into <see cref="DataReadException"/>, which fails the step on every node alike.
/// </summary>
public sealed class ShardFetchException(string url, int attempts, string message, Exception? cause = null) : IOException(message, cause)
{
    public string Url { get; } = url;

    public int Attempts { get; } = attempts;
}
