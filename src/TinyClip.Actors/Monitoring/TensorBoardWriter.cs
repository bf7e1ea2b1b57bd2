using System.Buffers.Binary;
using System.Text;

namespace TinyClip.Actors.Monitoring;

/// <summary>
/// Writes scalar summaries in TensorBoard's event-file format (TFRecord framing with masked CRC-32C, Event and
/// Summary protobufs encoded by hand: the few fields needed do not justify a protobuf dependency).
/// </summary>
public sealed class TensorBoardWriter : IDisposable
{
    private readonly FileStream _file;

    public TensorBoardWriter(string directory)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"events.out.tfevents.{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}.{Environment.MachineName}.{Environment.ProcessId}");
        _file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read);
        var version = new ProtoWriter();
        version.Double(1, Now());
        version.String(3, "brain.Event:2");
        WriteRecord(version.ToArray());
    }

    public void Scalar(string tag, long step, double value)
    {
        var summaryValue = new ProtoWriter();
        summaryValue.String(1, tag);
        summaryValue.Float(2, (float)value);
        var summary = new ProtoWriter();
        summary.Message(1, summaryValue.ToArray());
        var e = new ProtoWriter();
        e.Double(1, Now());
        e.Varint(2, (ulong)step);
        e.Message(5, summary.ToArray());
        WriteRecord(e.ToArray());
    }

    private void WriteRecord(byte[] data)
    {
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], Crc32C.Masked(header[..8]));
        _file.Write(header);
        _file.Write(data);
        Span<byte> footer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(footer, Crc32C.Masked(data));
        _file.Write(footer);
        _file.Flush();
    }

    private static double Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

    public void Dispose() => _file.Dispose();

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "a MemoryStream holds managed memory only")]
    private sealed class ProtoWriter
    {
        private readonly MemoryStream _bytes = new();
        public void Varint(int field, ulong value) { Tag(field, 0); WriteVarint(value); }
        public void Double(int field, double value) { Tag(field, 1); Span<byte> b = stackalloc byte[8]; BinaryPrimitives.WriteDoubleLittleEndian(b, value); _bytes.Write(b); }
        public void Float(int field, float value) { Tag(field, 5); Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteSingleLittleEndian(b, value); _bytes.Write(b); }
        public void String(int field, string value) => Message(field, Encoding.UTF8.GetBytes(value));
        public void Message(int field, byte[] value) { Tag(field, 2); WriteVarint((ulong)value.Length); _bytes.Write(value); }
        public byte[] ToArray() => _bytes.ToArray();
        private void Tag(int field, int wireType) => WriteVarint((ulong)((field << 3) | wireType));
        private void WriteVarint(ulong value)
        {
            while (value >= 0x80) { _bytes.WriteByte((byte)(value | 0x80)); value >>= 7; }
            _bytes.WriteByte((byte)value);
        }
    }
}

/// <summary>CRC-32C (Castagnoli), masked as TFRecord requires.</summary>
public static class Crc32C
{
    private static readonly uint[] Table = Enumerable.Range(0, 256).Select(i =>
    {
        uint c = (uint)i;
        for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0x82F63B78u ^ (c >> 1) : c >> 1;
        return c;
    }).ToArray();

    public static uint Compute(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;
        foreach (var b in data) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return ~crc;
    }

    public static uint Masked(ReadOnlySpan<byte> data)
    {
        uint crc = Compute(data);
        return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
    }
}
