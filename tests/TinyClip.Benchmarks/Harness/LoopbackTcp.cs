using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace TinyClip.Benchmarks.Harness;

/// <summary>Raw TCP throughput over 127.0.0.1: one connection, one writer, one reader, for a bounded time.</summary>
public static class LoopbackTcp
{
    /// <returns>Bytes per second the reader received.</returns>
    public static async Task<double> ThroughputAsync(TimeSpan duration, int chunkBytes, CancellationToken cancellationToken)
    {
        var (client, server) = await ConnectedPairAsync(cancellationToken);
        using var ownedClient = client;
        using var ownedServer = server;

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var writer = Task.Run(async () =>
        {
            var chunk = new byte[chunkBytes];
            var stream = client.GetStream();
            try { while (!stop.IsCancellationRequested) await stream.WriteAsync(chunk, stop.Token); }
            catch (OperationCanceledException) { }
            client.Client.Shutdown(SocketShutdown.Send);
        }, CancellationToken.None);

        var buffer = new byte[chunkBytes];
        var reading = server.GetStream();
        long received = 0;
        var clock = Stopwatch.StartNew();
        stop.CancelAfter(duration);
        int n;
        while ((n = await reading.ReadAsync(buffer, CancellationToken.None)) > 0) received += n;
        double seconds = clock.Elapsed.TotalSeconds;
        await writer;
        return received / seconds;
    }

    /// <summary>Seconds to move <paramref name="bytes"/> each way at once over one plain TCP connection on 127.0.0.1 (all-reduce traffic is two-way too).</summary>
    public static async Task<double> RawTcpExchangeSecondsAsync(long bytes, int writeBytes, CancellationToken cancellationToken)
    {
        var (client, server) = await ConnectedPairAsync(cancellationToken);
        using var ownedClient = client;
        using var ownedServer = server;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Push(client.GetStream()), Pull(client.GetStream()), Push(server.GetStream()), Pull(server.GetStream()));
        return clock.Elapsed.TotalSeconds;

        async Task Push(NetworkStream stream)
        {
            var chunk = new byte[writeBytes];
            for (long sent = 0; sent < bytes; sent += writeBytes)
                await stream.WriteAsync(chunk.AsMemory(0, (int)Math.Min(writeBytes, bytes - sent)), cancellationToken);
        }

        async Task Pull(NetworkStream stream)
        {
            var buffer = new byte[writeBytes];
            for (long received = 0; received < bytes;)
            {
                int n = await stream.ReadAsync(buffer, cancellationToken);
                if (n == 0) throw new IOException("connection closed early");
                received += n;
            }
        }
    }

    /// <summary>A client and its accepted server end on 127.0.0.1 (the listener is closed once they are connected).</summary>
    private static async Task<(TcpClient Client, TcpClient Server)> ConnectedPairAsync(CancellationToken cancellationToken)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port, cancellationToken);
        return (client, await listener.AcceptTcpClientAsync(cancellationToken));
    }
}
