using System.Buffers.Binary;

namespace TinyClip.Actors.Collectives;

/// <summary>
/// The wire format of the data connections. A connection carries one direction, source node to destination node,
/// for one generation. It opens with a handshake (<see cref="HandshakeBytes"/>: magic, version, generation, source,
/// destination, little-endian int32s), answered by one byte <see cref="Accepted"/>; a refused connection is closed
/// instead. Then frames: a fixed header (<see cref="FrameHeaderBytes"/>: step int64; call, part, total length,
/// offset, value count, phase length int32), the tag's phase in UTF-8 in the first frame of a message only, then the
/// values as raw little-endian floats. A message's frames follow each other in order on its connection.
/// </summary>
public static class CollectiveWire
{
    public const int Magic = 0x50444354; // "TCDP" in little-endian bytes
    public const int Version = 1;
    public const int HandshakeBytes = 20;
    public const byte Accepted = 1;
    public const int FrameHeaderBytes = 32;
    public const int MaxPhaseBytes = 1024;

    public static void WriteHandshake(Span<byte> bytes, int generation, int source, int destination)
    {
        BinaryPrimitives.WriteInt32LittleEndian(bytes, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(bytes[4..], Version);
        BinaryPrimitives.WriteInt32LittleEndian(bytes[8..], generation);
        BinaryPrimitives.WriteInt32LittleEndian(bytes[12..], source);
        BinaryPrimitives.WriteInt32LittleEndian(bytes[16..], destination);
    }
}
