using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace TinyClip.Data.Tests.Remote;

/// <summary>
/// An HTTP server for shard files on 127.0.0.1 (Kestrel, a free port), with Range support, ETags, and faults a test
/// arms per object: drop the connection after some body bytes (a reset: bytes in flight may be lost), end the body early
/// (cleanly: the client gets exactly those bytes), stall after some body bytes, answer 503, ignore Range.
/// Every request is logged with its Range header.
/// </summary>
public sealed class ShardHttpServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, (string File, string ETag)> _objects = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentQueue<Fault>> _faults = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(string Name, string? Range)> _requests = new();
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>What the next request of an object meets. <paramref name="AfterBytes"/>: body bytes sent before a drop, an early end or a stall.</summary>
    public sealed record Fault(FaultKind Kind, long AfterBytes = 0);

    public enum FaultKind { Drop, Truncate, Stall, Unavailable, IgnoreRange }

    private ShardHttpServer(WebApplication app)
    {
        _app = app;
        app.Run(ServeAsync);
    }

    public static async Task<ShardHttpServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        var server = new ShardHttpServer(builder.Build());
        await server._app.StartAsync();
        server.BaseUrl = server._app.Urls.Single().TrimEnd('/');
        return server;
    }

    public string BaseUrl { get; private set; } = "";

    /// <summary>Serves <paramref name="file"/> as <c>BaseUrl/name</c>; returns the URL.</summary>
    public string Serve(string name, string file, string etag = "\"v1\"")
    {
        _objects[name] = (file, etag);
        return $"{BaseUrl}/{name}";
    }

    /// <summary>Serves every file of <paramref name="directory"/> (not below) under <paramref name="prefix"/>; returns the URLs, sorted.</summary>
    public IReadOnlyList<string> ServeDirectory(string directory, string prefix = "shards") =>
        Directory.GetFiles(directory, "*.parquet").Order(StringComparer.Ordinal).Select(f => Serve($"{prefix}/{Path.GetFileName(f)}", f)).ToArray();

    public void ChangeETag(string name, string etag) => _objects[name] = (_objects[name].File, etag);

    /// <summary>Arms faults for the next requests of <paramref name="name"/>, one a request, in order.</summary>
    public void Arm(string name, params Fault[] faults)
    {
        var queue = _faults.GetOrAdd(name, _ => new ConcurrentQueue<Fault>());
        foreach (var fault in faults) queue.Enqueue(fault);
    }

    /// <summary>Drops every fault armed and not yet met.</summary>
    public void Disarm() => _faults.Clear();

    public IReadOnlyList<(string Name, string? Range)> Requests => _requests.ToArray();

    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }

    private async Task ServeAsync(HttpContext context)
    {
        var name = context.Request.Path.Value!.TrimStart('/');
        var range = context.Request.Headers.Range.ToString() is { Length: > 0 } r ? r : null;
        _requests.Enqueue((name, range));
        if (!_objects.TryGetValue(name, out var served))
        {
            context.Response.StatusCode = 404;
            return;
        }
        Fault? fault = _faults.TryGetValue(name, out var queue) && queue.TryDequeue(out var next) ? next : null;
        if (fault?.Kind == FaultKind.Unavailable)
        {
            context.Response.StatusCode = 503;
            return;
        }
        var bytes = await File.ReadAllBytesAsync(served.File);
        var (from, to) = fault?.Kind == FaultKind.IgnoreRange ? (0L, bytes.Length - 1L) : RangeOf(range, bytes.Length);
        context.Response.Headers.ETag = served.ETag;
        context.Response.Headers.AcceptRanges = "bytes";
        // A truncated body goes without a length (chunked), so that it ends cleanly where it stops.
        if (fault?.Kind != FaultKind.Truncate) context.Response.ContentLength = to - from + 1;
        if (range is not null && fault?.Kind != FaultKind.IgnoreRange)
        {
            context.Response.StatusCode = 206;
            context.Response.Headers.ContentRange = $"bytes {from}-{to}/{bytes.Length}";
        }
        var body = bytes.AsMemory((int)from, (int)(to - from + 1));
        if (fault is { Kind: FaultKind.Truncate })
        {
            await context.Response.Body.WriteAsync(body[..(int)Math.Min(fault.AfterBytes, body.Length)]);
            return;
        }
        if (fault is { Kind: FaultKind.Drop or FaultKind.Stall })
        {
            var sent = (int)Math.Min(fault.AfterBytes, body.Length);
            await context.Response.Body.WriteAsync(body[..sent]);
            await context.Response.Body.FlushAsync();
            if (fault.Kind == FaultKind.Drop)
            {
                context.Abort();
                return;
            }
            // A stall: nothing more until the client gives up (its request is aborted) or the server stops.
            using var either = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
            await Task.Delay(Timeout.Infinite, either.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            context.Abort();
            return;
        }
        await context.Response.Body.WriteAsync(body);
    }

    /// <summary>"bytes=a-b", "bytes=a-" and "bytes=-n" as an inclusive range; the whole object without a header.</summary>
    private static (long From, long To) RangeOf(string? header, long length)
    {
        if (header is null) return (0, length - 1);
        var spec = header["bytes=".Length..].Split('-');
        if (spec[0].Length == 0) return (Math.Max(0, length - long.Parse(spec[1])), length - 1);
        var from = long.Parse(spec[0]);
        var to = spec[1].Length == 0 ? length - 1 : Math.Min(long.Parse(spec[1]), length - 1);
        return (from, to);
    }
}
