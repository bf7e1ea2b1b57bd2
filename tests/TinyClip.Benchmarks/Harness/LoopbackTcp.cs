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
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port, cancellationToken);
        using var server = await listener.AcceptTcpClientAsync(cancellationToken);

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
}
