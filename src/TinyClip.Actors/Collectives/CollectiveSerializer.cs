using System.Buffers.Binary;
using System.Text;
using Akka.Actor;
using Akka.Serialization;
using SerializationException = System.Runtime.Serialization.SerializationException;

namespace TinyClip.Actors.Collectives;

/// <summary>
/// Binary serializer of the collectives' control messages (hello, welcome, abort notice): a few little-endian
/// integers and UTF-8 strings. Payloads do not pass here; they travel over the data connections.
/// </summary>
public sealed class CollectiveSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    private const string HelloManifest = "H", WelcomeManifest = "W", AbortManifest = "X";

    public override int Identifier => 4712;

    public override string Manifest(object o) => o switch
    {
        CollectiveHello => HelloManifest,
        CollectiveWelcome => WelcomeManifest,
        CollectiveAbortNotice => AbortManifest,
        _ => throw new ArgumentException($"{o.GetType()} is not a collective message"),
    };

    public override byte[] ToBinary(object obj) => obj switch
    {
        CollectiveHello hello => Encoding.UTF8.GetBytes(hello.Address),
        CollectiveWelcome welcome => WithInt(welcome.DataPort, welcome.Address),
        CollectiveAbortNotice notice => WithInt(notice.Generation, notice.Reason),
        _ => throw new ArgumentException($"{obj.GetType()} is not a collective message"),
    };

    public override object FromBinary(byte[] bytes, string manifest)
    {
        try
        {
            return manifest switch
            {
                HelloManifest => new CollectiveHello(Encoding.UTF8.GetString(bytes)),
                WelcomeManifest => new CollectiveWelcome(Encoding.UTF8.GetString(bytes, 4, bytes.Length - 4), BinaryPrimitives.ReadInt32LittleEndian(bytes)),
                AbortManifest => new CollectiveAbortNotice(BinaryPrimitives.ReadInt32LittleEndian(bytes), Encoding.UTF8.GetString(bytes, 4, bytes.Length - 4)),
                _ => throw new SerializationException($"Unknown collective message manifest '{manifest}'."),
            };
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new SerializationException($"Truncated collective message '{manifest}' ({bytes.Length} bytes).", e);
        }
    }

    /// <summary>A little-endian int, then <paramref name="text"/> in UTF-8.</summary>
    private static byte[] WithInt(int value, string text)
    {
        var bytes = new byte[4 + Encoding.UTF8.GetByteCount(text)];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        Encoding.UTF8.GetBytes(text, bytes.AsSpan(4));
        return bytes;
    }
}
