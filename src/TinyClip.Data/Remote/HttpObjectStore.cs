using System.Net;
using System.Net.Http.Headers;

namespace TinyClip.Data.Remote;

/// <summary>Objects behind <c>http://</c> and <c>https://</c> URLs, read with Range requests.</summary>
public sealed class HttpObjectStore(HttpClient client) : IObjectStore
{
    public async Task<ObjectBody> GetAsync(string url, long offset, long? length, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        // Always a Range, from 0 too: a 206 answer says the object's whole size (Content-Range) even when the body is cut short.
        request.Headers.Range = new RangeHeaderValue(offset, length is { } n ? offset + n - 1 : null);
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new TransientFetchException($"GET {url}: {e.Message}", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TransientFetchException($"GET {url}: no answer within {client.Timeout.TotalSeconds:0.###} s", e);
        }
        try
        {
            return await BodyOf(url, response, cancellationToken);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    public Task<IReadOnlyList<RemoteObject>> ListAsync(string prefixUrl, CancellationToken cancellationToken) =>
        throw new DataConfigurationException($"'{prefixUrl}': an HTTP location cannot be listed; name the shards, or an index file (docs/remote-data.md)");

    private static async Task<ObjectBody> BodyOf(string url, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        if (status >= 500 || response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout)
            throw new TransientFetchException($"GET {url}: {status} {response.ReasonPhrase}");
        if (!response.IsSuccessStatusCode)
            throw new ShardFetchException(url, 1, $"GET {url}: {status} {response.ReasonPhrase}");
        var etag = response.Headers.ETag?.ToString();
        var content = await response.Content.ReadAsStreamAsync(cancellationToken);
        if (response.StatusCode == HttpStatusCode.PartialContent && response.Content.Headers.ContentRange is { From: { } from, Length: { } total })
            return new ObjectBody(new ResponseOwningStream(content, response), from, total, etag);
        var size = response.Content.Headers.ContentLength
                   ?? throw new ShardFetchException(url, 1, $"GET {url}: the server gives no Content-Length, so the shard's size cannot be checked");
        return new ObjectBody(new ResponseOwningStream(content, response), 0, size, etag);
    }
}
