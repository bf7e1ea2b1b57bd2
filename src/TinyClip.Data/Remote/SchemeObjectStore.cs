using TinyClip.Data.Settings;

namespace TinyClip.Data.Remote;

/// <summary>Sends <c>s3://</c> URLs to the S3 store (made when first needed) and the others to the HTTP store.</summary>
public sealed class SchemeObjectStore(IObjectStore http, Func<IObjectStore> s3) : IObjectStore
{
    private readonly Lazy<IObjectStore> _s3 = new(s3);

    public static SchemeObjectStore From(S3Settings settings, TimeSpan requestTimeout) =>
        new(new HttpObjectStore(new HttpClient { Timeout = requestTimeout }), () => S3ObjectStore.From(settings));

    public Task<ObjectBody> GetAsync(string url, long offset, long? length, CancellationToken cancellationToken) =>
        StoreOf(url).GetAsync(url, offset, length, cancellationToken);

    public Task<IReadOnlyList<RemoteObject>> ListAsync(string prefixUrl, CancellationToken cancellationToken) =>
        StoreOf(prefixUrl).ListAsync(prefixUrl, cancellationToken);

    private IObjectStore StoreOf(string url) => url.StartsWith("s3://", StringComparison.OrdinalIgnoreCase) ? _s3.Value : http;
}
