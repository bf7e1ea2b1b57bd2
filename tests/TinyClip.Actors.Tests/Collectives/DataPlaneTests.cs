using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using TinyClip.Actors.Collectives;

namespace TinyClip.Actors.Tests.Collectives;

/// <summary>The data connections between node leaders: who may connect, and what a vanishing peer does to a call.</summary>
public class DataPlaneTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [Fact]
    public void Connections_with_a_wrong_handshake_are_refused_and_the_exchange_keeps_working()
    {
        using var nodes = RemoteNodes.Start(2);
        var groups = nodes.Groups(8, new[] { 1, 1 }, Limit);
        Assert.All(RemoteNodes.RunMembers(groups, member => member.AllReduceSum(new float[1000], new CollectiveTag(8, 0, "grads")), Limit).Values,
            e => Assert.Null(e));
        int port = nodes.Exchanges[0].DataPort;

        Assert.False(Accepted(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray()), "a foreign protocol was accepted");
        Assert.False(Accepted(port, Handshake(8, source: 1, destination: 0, version: CollectiveWire.Version + 1)), "another protocol version was accepted");
        Assert.False(Accepted(port, Handshake(7, source: 1, destination: 0)), "a connection of a past generation was accepted");
        Assert.False(Accepted(port, Handshake(8, source: 1, destination: 1)), "a connection addressed to another node was accepted");
        Assert.False(Accepted(port, Handshake(8, source: 1, destination: 0)), "a second connection from node 1 in generation 8 was accepted");
        // The control: a well-formed introduction for a later generation (a peer that is ahead) is accepted.
        Assert.True(Accepted(port, Handshake(100, source: 1, destination: 0)));

        var reduced = new float[2][];
        Assert.All(RemoteNodes.RunMembers(groups, member =>
        {
            var buffer = Enumerable.Repeat((float)member.Rank + 1, 1000).ToArray();
            member.AllReduceSum(buffer, new CollectiveTag(8, 1, "grads"));
            reduced[member.Rank] = buffer;
        }, Limit).Values, e => Assert.Null(e));
        Assert.All(reduced, r => Assert.All(r, v => Assert.Equal(3f, v)));
    }

    [Fact]
    public async Task A_peer_whose_socket_vanishes_mid_transfer_fails_the_call_quickly_naming_the_node()
    {
        // Node 1 is a bare actor system whose endpoint points to a socket that reads part of the data, then resets.
        using var nodes = RemoteNodes.Start(1);
        using var peer = RemoteNodes.StartSystem("vanishing");
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        peer.ActorOf(Props.Create(() => new FakeEndpoint(((IPEndPoint)listener.LocalEndpoint).Port)), CollectiveEndpoint.Name);
        var peerAddress = ((ExtendedActorSystem)peer).Provider.DefaultAddress.ToString();
        var received = 0L;
        var vanishing = Task.Run(() =>
        {
            using var socket = listener.AcceptSocket();
            var buffer = new byte[64 * 1024];
            socket.Receive(buffer.AsSpan(0, CollectiveWire.HandshakeBytes));
            socket.Send(new[] { CollectiveWire.Accepted });
            while (received < 2 << 20) received += socket.Receive(buffer);
            socket.LingerState = new LingerOption(true, 0); // close with a reset, as a crashed host's stack would
        });

        var topology = new CollectiveTopology(3, new[] { new NodeSlot(nodes.Exchanges[0].Address, 0, 1), new NodeSlot(peerAddress, 1, 1) }, 0);
        var member = new HierarchicalCollectiveGroup(topology, nodes.Exchanges[0], TimeSpan.FromMinutes(5)).Members[0];
        var clock = Stopwatch.StartNew();
        // 40 MB: node 0 sends 20 MB to node 1, far more than the socket buffers hold, so the reset comes mid-send.
        var aborted = Assert.Throws<CollectiveAbortedException>(() => member.AllReduceSum(new float[10_000_000], new CollectiveTag(3, 4, "grads")));
        clock.Stop();

        await vanishing.WaitAsync(Limit);
        Assert.True(received >= 2 << 20);
        Assert.Contains($"node {peerAddress} left during generation 3, step 4", aborted.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed} to notice the vanished peer");
    }

    /// <summary>The 20-byte introduction of a data connection.</summary>
    private static byte[] Handshake(int generation, int source, int destination, int version = CollectiveWire.Version)
    {
        var bytes = new byte[CollectiveWire.HandshakeBytes];
        CollectiveWire.WriteHandshake(bytes, generation, source, destination);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), version);
        return bytes;
    }

    /// <summary>Connects, sends <paramref name="introduction"/>; true when the node answers that it accepts, false when it closes the connection.</summary>
    internal static bool Accepted(int port, byte[] introduction)
    {
        using var client = new TcpClient();
        client.Connect(IPAddress.Loopback, port);
        client.ReceiveTimeout = 10_000;
        var stream = client.GetStream();
        stream.Write(introduction);
        var answer = new byte[1];
        try { return stream.Read(answer) == 1 && answer[0] == CollectiveWire.Accepted; }
        catch (IOException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionReset }) { return false; }
    }

    /// <summary>Answers hellos with a data port of the test's choosing.</summary>
    private sealed class FakeEndpoint : ReceiveActor
    {
        public FakeEndpoint(int port) => Receive<CollectiveHello>(hello => Sender.Tell(new CollectiveWelcome(hello.Address, port)));
    }
}
