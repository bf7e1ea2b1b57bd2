using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Configuration;
using TinyClip.Actors.Cluster;
using TinyClip.Actors.Collectives;
using TinyClip.Actors.Configuration;
using TinyClip.Benchmarks.Harness;

namespace TinyClip.Benchmarks.Benchmarks;

/// <summary>
/// All-reduce between two processes, one trainer each, through <see cref="HierarchicalCollectiveGroup"/> over Akka
/// remoting with the shipped settings. The benchmark process is node 0; a second copy of this program, started in the
/// hidden <see cref="PeerCommand"/> mode, is node 1. Both run the same schedule, so their calls meet step by step.
/// </summary>
public static class CrossProcessAllReduce
{
    public const string PeerCommand = "--collective-peer";

    /// <summary>Seconds of each timed repeat (<paramref name="operations"/> all-reduces) per buffer size, measured on node 0.</summary>
    public static async Task<IReadOnlyList<double[]>> MeasureAsync(IReadOnlyList<int> megabytes, int operations, int repeats, CancellationToken cancellationToken)
    {
        using var system = StartSystem("bench", 0);
        var exchange = NodeExchange.Start(system, Settings());
        int peerPort = FreePort();
        var start = ChildProcess.ThisProgram(PeerCommand, peerPort.ToString(), exchange.Address, operations.ToString(), repeats.ToString(), string.Join(",", megabytes));
        var peer = ChildProcess.RunAsync(start, TimeSpan.FromMinutes(10), cancellationToken);
        var topology = Topology(exchange.Address, $"akka.tcp://bench-peer@127.0.0.1:{peerPort}", thisNode: 0);
        var seconds = await Task.Factory.StartNew(() => Schedule(exchange, topology, megabytes, operations, repeats),
            cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        await peer;
        return seconds;
    }

    /// <summary>The peer: same schedule as node 0, as node 1.</summary>
    public static int RunPeer(string[] args)
    {
        int port = int.Parse(args[0]);
        string parent = args[1];
        int operations = int.Parse(args[2]), repeats = int.Parse(args[3]);
        var megabytes = args[4].Split(',').Select(int.Parse).ToList();
        using var system = StartSystem("bench-peer", port);
        var exchange = NodeExchange.Start(system, Settings());
        Schedule(exchange, Topology(parent, exchange.Address, thisNode: 1), megabytes, operations, repeats);
        system.Terminate().Wait(TimeSpan.FromSeconds(10));
        return 0;
    }

    /// <summary>Seconds to move <paramref name="bytes"/> each way at once over one plain TCP connection on 127.0.0.1 (all-reduce traffic is two-way too).</summary>
    public static async Task<double> RawTcpExchangeSecondsAsync(long bytes, int writeBytes, CancellationToken cancellationToken)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port, cancellationToken);
        using var server = await listener.AcceptTcpClientAsync(cancellationToken);
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

    private static double[][] Schedule(NodeExchange exchange, CollectiveTopology topology, IReadOnlyList<int> megabytes, int operations, int repeats)
    {
        var member = new HierarchicalCollectiveGroup(topology, exchange, TimeSpan.FromMinutes(5)).Members[0];
        long step = 0;
        var results = new double[megabytes.Count][];
        for (int size = 0; size < megabytes.Count; size++)
        {
            var buffer = new float[megabytes[size] * 1024 * 1024 / sizeof(float)];
            for (int i = 0; i < buffer.Length; i++) buffer[i] = (i % 1024) * 1e-3f; // finite, no denormals: values do not change the timing
            // One warm-up repeat (the first call also resolves and watches the peer), then the timed ones.
            results[size] = Stopwatches.Repeat(1, repeats, () =>
            {
                member.Barrier(new CollectiveTag(topology.Generation, step++, "start"));
                for (int i = 0; i < operations; i++) member.AllReduceSum(buffer, new CollectiveTag(topology.Generation, step++, "bench"));
            });
        }
        return results;
    }

    private static CollectiveTopology Topology(string node0, string node1, int thisNode) =>
        new(1, new[] { new NodeSlot(node0, 0, 1), new NodeSlot(node1, 1, 1) }, thisNode);

    /// <summary>The shipped settings (reference.conf): chunk size, chunks in flight and frame size as a user gets them.</summary>
    private static CollectiveSettings Settings() => CollectiveSettings.Read(TinyClipConfig.Reference, RemotingSettings.Read(TinyClipConfig.Reference));

    private static ActorSystem StartSystem(string name, int port)
    {
        var remoting = RemotingSettings.Read(TinyClipConfig.Reference) with { Port = port };
        return ActorSystem.Create(name, RemotingConfig.Build(remoting)
            .WithFallback(ConfigurationFactory.ParseString("akka.actor.provider = remote"))
            .WithFallback(TinyClipConfig.Reference));
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
