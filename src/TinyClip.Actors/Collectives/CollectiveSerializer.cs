using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Akka.Actor;
using Akka.Serialization;
using SerializationException = System.Runtime.Serialization.SerializationException;

namespace TinyClip.Actors.Collectives;

/// <summary>
/// Binary serializer of the collective protocol: a small fixed header, then the floats as raw little-endian bytes
/// (one block copy on little-endian machines). JSON would triple the bytes and cost more than the network.
/// </summary>
public sealed class CollectiveSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    private const string ChunkManifest = "C", AckManifest = "A", AbortManifest = "X";

    /// <summary>generation, step, call, part, source, destination, offset, total length, value count, phase length.</summary>
    private const int ChunkHeaderBytes = 4 + 8 + 4 + 1 + 4 * 6;

    public override int Identifier => 4712;

    public override string Manifest(object o) => o switch
    {
        CollectiveChunk => ChunkManifest,
        CollectiveChunkAck => AckManifest,
        CollectiveAbortNotice => AbortManifest,
        _ => throw new ArgumentException($"{o.GetType()} is not a collective message"),
    };

    public override byte[] ToBinary(object obj) => obj switch
    {
        CollectiveChunk chunk => WriteChunk(chunk),
        CollectiveChunkAck ack => WriteInts(ack.Generation, ack.Node),
        CollectiveAbortNotice notice => WriteAbort(notice),
        _ => throw new ArgumentException($"{obj.GetType()} is not a collective message"),
    };

    public override object FromBinary(byte[] bytes, string manifest)
    {
        try
        {
            return manifest switch
            {
                ChunkManifest => ReadChunk(bytes),
                AckManifest => new CollectiveChunkAck(BinaryPrimitives.ReadInt32LittleEndian(bytes), BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4))),
                AbortManifest => new CollectiveAbortNotice(BinaryPrimitives.ReadInt32LittleEndian(bytes), Encoding.UTF8.GetString(bytes, 4, bytes.Length - 4)),
                _ => throw new SerializationException($"Unknown collective message manifest '{manifest}'."),
            };
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new SerializationException($"Truncated collective message '{manifest}' ({bytes.Length} bytes).", e);
        }
    }

    private static byte[] WriteChunk(CollectiveChunk chunk)
    {
        var phase = Encoding.UTF8.GetBytes(chunk.Tag.Phase);
        var values = chunk.Values.AsSpan();
        var bytes = new byte[ChunkHeaderBytes + phase.Length + values.Length * sizeof(float)];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteInt32LittleEndian(span, chunk.Tag.Generation);
        BinaryPrimitives.WriteInt64LittleEndian(span[4..], chunk.Tag.Step);
        BinaryPrimitives.WriteInt32LittleEndian(span[12..], chunk.Call);
        span[16] = (byte)chunk.Part;
        BinaryPrimitives.WriteInt32LittleEndian(span[17..], chunk.Source);
        BinaryPrimitives.WriteInt32LittleEndian(span[21..], chunk.Destination);
        BinaryPrimitives.WriteInt32LittleEndian(span[25..], chunk.Offset);
        BinaryPrimitives.WriteInt32LittleEndian(span[29..], chunk.TotalLength);
        BinaryPrimitives.WriteInt32LittleEndian(span[33..], values.Length);
        BinaryPrimitives.WriteInt32LittleEndian(span[37..], phase.Length);
        phase.CopyTo(span[ChunkHeaderBytes..]);
        var payload = span[(ChunkHeaderBytes + phase.Length)..];
        MemoryMarshal.AsBytes(values).CopyTo(payload);
        if (!BitConverter.IsLittleEndian) SwapFloats(payload);
        return bytes;
    }

    private static CollectiveChunk ReadChunk(byte[] bytes)
    {
        var span = bytes.AsSpan();
        int count = BinaryPrimitives.ReadInt32LittleEndian(span[33..]);
        int phaseLength = BinaryPrimitives.ReadInt32LittleEndian(span[37..]);
        if (count < 0 || phaseLength < 0 || ChunkHeaderBytes + phaseLength + (long)count * sizeof(float) != bytes.Length)
            throw new SerializationException($"Collective chunk of {bytes.Length} bytes declares {count} values and a {phaseLength}-byte phase.");
        var tag = new CollectiveTag(BinaryPrimitives.ReadInt32LittleEndian(span), BinaryPrimitives.ReadInt64LittleEndian(span[4..]),
            Encoding.UTF8.GetString(bytes, ChunkHeaderBytes, phaseLength));
        var values = new float[count];
        var payload = MemoryMarshal.AsBytes(values.AsSpan());
        span[(ChunkHeaderBytes + phaseLength)..].CopyTo(payload);
        if (!BitConverter.IsLittleEndian) SwapFloats(payload);
        return new CollectiveChunk(tag, BinaryPrimitives.ReadInt32LittleEndian(span[12..]), (CollectivePart)span[16],
            BinaryPrimitives.ReadInt32LittleEndian(span[17..]), BinaryPrimitives.ReadInt32LittleEndian(span[21..]),
            BinaryPrimitives.ReadInt32LittleEndian(span[25..]), BinaryPrimitives.ReadInt32LittleEndian(span[29..]), values);
    }

    private static byte[] WriteInts(int a, int b)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, a);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), b);
        return bytes;
    }

    private static byte[] WriteAbort(CollectiveAbortNotice notice)
    {
        var reason = Encoding.UTF8.GetBytes(notice.Reason);
        var bytes = new byte[4 + reason.Length];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, notice.Generation);
        reason.CopyTo(bytes, 4);
        return bytes;
    }

    /// <summary>The wire is little-endian; a big-endian machine swaps each float's bytes in place.</summary>
    private static void SwapFloats(Span<byte> bytes)
    {
        var words = MemoryMarshal.Cast<byte, int>(bytes);
        BinaryPrimitives.ReverseEndianness(words, words);
    }
}
