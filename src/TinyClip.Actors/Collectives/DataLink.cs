using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace TinyClip.Actors.Collectives;

/// <summary>
/// One data connection (socket, optionally wrapped in TLS) and its fixed scratch buffers. The sending side writes
/// from the leader's thread; the receiving side reads on a thread of its own. Floats go straight between the
/// caller's arrays and the socket (no per-frame allocation). Dispose closes the socket, which also ends blocked reads
/// and writes on other threads.
/// </summary>
internal sealed class DataLink : IDisposable
{
    private readonly Socket _socket;
    private readonly byte[] _header = new byte[CollectiveWire.FrameHeaderBytes + CollectiveWire.MaxPhaseBytes];
    private Stream _stream = Stream.Null; // a NetworkStream once connected
    private int _closed;

    private DataLink(Socket socket, int generation, int node, bool outgoing)
    {
        _socket = socket;
        if (socket.Connected) _stream = new NetworkStream(socket, ownsSocket: true);
        Generation = generation;
        Node = node;
        Outgoing = outgoing;
    }

    public int Generation { get; private set; }

    /// <summary>The peer's index in the generation's topology (the destination of an outgoing link, the source of an incoming one).</summary>
    public int Node { get; private set; }

    public bool Outgoing { get; }

    /// <summary>The node an incoming link says it is addressed to (the receiver checks it against its topology).</summary>
    public int Target { get; private set; } = -1;

    /// <summary>True once this side closed the link (so its failure is no news).</summary>
    public bool Closed => Volatile.Read(ref _closed) != 0;

    /// <summary>An outgoing link to <paramref name="node"/> of <paramref name="generation"/>, not connected yet (so that an abort can close it while it connects).</summary>
    public static DataLink ForPeer(int generation, int node) =>
        new(new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true }, generation, node, outgoing: true);

    /// <summary>An accepted connection; generation and source are known after <see cref="ReadHandshake"/>.</summary>
    public static DataLink FromAccepted(Socket socket)
    {
        socket.NoDelay = true;
        return new DataLink(socket, -1, -1, outgoing: false);
    }

    /// <summary>Connects, secures and introduces the link; throws when the peer cannot be reached or refuses it.</summary>
    public void Connect(EndPoint peer, string host, int source, DataSecurity? security, TimeSpan timeout)
    {
        using (var limit = new CancellationTokenSource(timeout))
            _socket.ConnectAsync(peer, limit.Token).AsTask().GetAwaiter().GetResult();
        _stream = new NetworkStream(_socket, ownsSocket: true);
        SetTimeouts(timeout);
        if (security is not null) _stream = security.AuthenticateAsClient(_stream, host);
        CollectiveWire.WriteHandshake(_header, Generation, source, Node);
        _stream.Write(_header, 0, CollectiveWire.HandshakeBytes);
        if (_stream.ReadByte() != CollectiveWire.Accepted) throw new IOException("the peer refused the data connection");
        _socket.ReceiveTimeout = 0; // the watch for the peer's close waits as long as the link lives
    }

    /// <summary>Reads the handshake of an accepted connection; false (and the reason) when it is not ours.</summary>
    public bool ReadHandshake(DataSecurity? security, TimeSpan timeout, out string problem)
    {
        SetTimeouts(timeout);
        if (security is not null) _stream = security.AuthenticateAsServer(_stream);
        var bytes = _header.AsSpan(0, CollectiveWire.HandshakeBytes);
        _stream.ReadExactly(bytes);
        int magic = BinaryPrimitives.ReadInt32LittleEndian(bytes), version = BinaryPrimitives.ReadInt32LittleEndian(bytes[4..]);
        Generation = BinaryPrimitives.ReadInt32LittleEndian(bytes[8..]);
        Node = BinaryPrimitives.ReadInt32LittleEndian(bytes[12..]);
        Target = BinaryPrimitives.ReadInt32LittleEndian(bytes[16..]);
        problem = magic != CollectiveWire.Magic ? $"not a collective data connection (magic 0x{magic:x8})"
            : version != CollectiveWire.Version ? $"protocol version {version}, this node speaks {CollectiveWire.Version}"
            : Node < 0 || Target < 0 || Node == Target ? $"from node {Node} to node {Target}"
            : "";
        return problem.Length == 0;
    }

    /// <summary>Tells the peer the connection is accepted; from now on reads wait as long as the link lives.</summary>
    public void Accept()
    {
        _stream.WriteByte(CollectiveWire.Accepted);
        _stream.Flush();
        _socket.ReceiveTimeout = 0;
    }

    /// <summary>Writes a message as frames of at most <paramref name="floatsPerFrame"/> values (at least one frame, so empty messages arrive too).</summary>
    public void WriteMessage(CollectiveTag tag, int call, CollectivePart part, ReadOnlySpan<float> values, int floatsPerFrame)
    {
        int phaseBytes = Encoding.UTF8.GetBytes(tag.Phase, _header.AsSpan(CollectiveWire.FrameHeaderBytes));
        int offset = 0;
        do
        {
            int count = Math.Min(floatsPerFrame, values.Length - offset);
            var header = _header.AsSpan();
            BinaryPrimitives.WriteInt64LittleEndian(header, tag.Step);
            BinaryPrimitives.WriteInt32LittleEndian(header[8..], call);
            BinaryPrimitives.WriteInt32LittleEndian(header[12..], (int)part);
            BinaryPrimitives.WriteInt32LittleEndian(header[16..], values.Length);
            BinaryPrimitives.WriteInt32LittleEndian(header[20..], offset);
            BinaryPrimitives.WriteInt32LittleEndian(header[24..], count);
            BinaryPrimitives.WriteInt32LittleEndian(header[28..], offset == 0 ? phaseBytes : 0);
            _stream.Write(_header, 0, CollectiveWire.FrameHeaderBytes + (offset == 0 ? phaseBytes : 0));
            _stream.Write(MemoryMarshal.AsBytes(values.Slice(offset, count)));
            offset += count;
        } while (offset < values.Length);
        _stream.Flush();
    }

    /// <summary>Reads the next frame's header; false at a clean end of the connection (between frames).</summary>
    public bool ReadFrameHeader(out FrameHeader frame)
    {
        var header = _header.AsSpan(0, CollectiveWire.FrameHeaderBytes);
        int first = _stream.Read(header);
        if (first == 0)
        {
            frame = default;
            return false;
        }
        _stream.ReadExactly(header[first..]);
        frame = new FrameHeader(BinaryPrimitives.ReadInt64LittleEndian(header), BinaryPrimitives.ReadInt32LittleEndian(header[8..]),
            (CollectivePart)BinaryPrimitives.ReadInt32LittleEndian(header[12..]), BinaryPrimitives.ReadInt32LittleEndian(header[16..]),
            BinaryPrimitives.ReadInt32LittleEndian(header[20..]), BinaryPrimitives.ReadInt32LittleEndian(header[24..]),
            BinaryPrimitives.ReadInt32LittleEndian(header[28..]));
        return true;
    }

    public string ReadPhase(int bytes)
    {
        _stream.ReadExactly(_header, 0, bytes);
        return Encoding.UTF8.GetString(_header, 0, bytes);
    }

    /// <summary>Reads a frame's values straight into their place in the message buffer.</summary>
    public void ReadValues(Span<float> destination) => _stream.ReadExactly(MemoryMarshal.AsBytes(destination));

    /// <summary>Completes when the peer closes (or breaks) the connection: an outgoing link's peer never writes after the handshake.</summary>
    public async Task WaitForCloseAsync()
    {
        var one = new byte[1];
        try { await _stream.ReadExactlyAsync(one); } // any byte breaks the protocol: treated as the end too
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException) { } // EndOfStreamException is an IOException
    }

    private void SetTimeouts(TimeSpan timeout)
    {
        int milliseconds = (int)Math.Min(int.MaxValue, Math.Max(1, timeout.TotalMilliseconds));
        _socket.SendTimeout = milliseconds;
        _socket.ReceiveTimeout = milliseconds;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0) return;
        try { _stream.Dispose(); }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException) { }
        _socket.Dispose();
    }
}
