using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using TinyClip.Data.Settings;

namespace TinyClip.Data.Remote;

/// <summary>
/// Objects behind <c>s3://bucket/key</c> URLs, through the AWS SDK. Credentials come from the SDK's default chain;
/// nothing here reads, stores or prints one.
/// </summary>
public sealed class S3ObjectStore(IAmazonS3 client) : IObjectStore, IDisposable
{
    public static S3ObjectStore From(S3Settings settings)
    {
        var config = new AmazonS3Config { ForcePathStyle = settings.ForcePathStyle };
        if (settings.Endpoint is { } endpoint) config.ServiceURL = endpoint;
        if (settings.Region is { } region)
        {
            if (settings.Endpoint is null) config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(region);
            else config.AuthenticationRegion = region;
        }
        return new S3ObjectStore(new AmazonS3Client(config));
    }

    public async Task<ObjectBody> GetAsync(string url, long offset, long? length, CancellationToken cancellationToken)
    {
        var (bucket, key) = Split(url);
        var request = new GetObjectRequest { BucketName = bucket, Key = key };
        if (offset > 0 || length is not null) request.ByteRange = new ByteRange(offset, length is { } n ? offset + n - 1 : long.MaxValue);
        try
        {
            var response = await client.GetObjectAsync(request, cancellationToken);
            var (start, total) = RangeOf(response.ContentRange) ?? (0, response.ContentLength);
            return new ObjectBody(response.ResponseStream, start, total, response.ETag);
        }
        catch (Exception e) when (Classify(url, e) is { } refused)
        {
            throw refused;
        }
    }

    public async Task<IReadOnlyList<RemoteObject>> ListAsync(string prefixUrl, CancellationToken cancellationToken)
    {
        var (bucket, prefix) = Split(prefixUrl);
        var objects = new List<RemoteObject>();
        var request = new ListObjectsV2Request { BucketName = bucket, Prefix = prefix };
        try
        {
            do
            {
                var page = await client.ListObjectsV2Async(request, cancellationToken);
                foreach (var item in page.S3Objects ?? [])
                    if (item.Key.EndsWith(".parquet", StringComparison.Ordinal))
                        objects.Add(new RemoteObject($"s3://{bucket}/{item.Key}", item.Size, null));
                request.ContinuationToken = page.NextContinuationToken;
            } while (request.ContinuationToken is not null);
        }
        catch (Exception e) when (Classify(prefixUrl, e) is { } refused)
        {
            throw refused;
        }
        return objects;
    }

    public void Dispose() => client.Dispose();

    /// <summary>Bucket and key of <c>s3://bucket/key</c>.</summary>
    public static (string Bucket, string Key) Split(string url)
    {
        var rest = url["s3://".Length..];
        var slash = rest.IndexOf('/');
        if (slash <= 0) return (rest.TrimEnd('/'), "");
        return (rest[..slash], rest[(slash + 1)..]);
    }

    /// <summary>"bytes a-b/total" as (a, total).</summary>
    private static (long Start, long Total)? RangeOf(string? contentRange)
    {
        if (contentRange is null || !contentRange.StartsWith("bytes ", StringComparison.Ordinal)) return null;
        var parts = contentRange["bytes ".Length..].Split('-', '/');
        return parts.Length == 3 && long.TryParse(parts[0], out var start) && long.TryParse(parts[2], out var total) ? (start, total) : null;
    }

    /// <summary>What an SDK failure means here: may pass (transient), will not (refused), or not ours (null: rethrown as it is).</summary>
    private static Exception? Classify(string url, Exception e) => e switch
    {
        AmazonS3Exception s3 when (int)s3.StatusCode >= 500 || s3.StatusCode == HttpStatusCode.TooManyRequests =>
            new TransientFetchException($"{url}: {(int)s3.StatusCode} {s3.Message}", e),
        AmazonS3Exception s3 => new ShardFetchException(url, 1, $"{url}: {(int)s3.StatusCode} {s3.ErrorCode} {s3.Message}", e),
        AmazonServiceException or HttpRequestException or IOException => new TransientFetchException($"{url}: {e.Message}", e),
        _ => null,
    };
}
