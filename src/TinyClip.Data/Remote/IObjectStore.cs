namespace TinyClip.Data.Remote;

/// <summary>Reads objects by URL, whole or by byte range (HTTP(S), S3).</summary>
public interface IObjectStore
{
    /// <summary>The bytes from <paramref name="offset"/> on (all of them when <paramref name="length"/> is null).</summary>
    /// <exception cref="TransientFetchException">A failure that may pass.</exception>
    /// <exception cref="ShardFetchException">A failure that will not (not found, forbidden).</exception>
    Task<ObjectBody> GetAsync(string url, long offset, long? length, CancellationToken cancellationToken);

    /// <summary>The <c>.parquet</c> objects under a prefix (S3 only).</summary>
    Task<IReadOnlyList<RemoteObject>> ListAsync(string prefixUrl, CancellationToken cancellationToken);
}
