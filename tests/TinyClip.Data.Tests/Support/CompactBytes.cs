using TinyClip.Data.Reading.Guard;
using TinyClip.Data.Reading;

namespace TinyClip.Data.Tests.Support;

/// <summary>
/// Builds Thrift compact-protocol bytes by hand, field header by field header, so tests can state exact inputs.
/// The outermost struct is open from the start; <see cref="BeginStruct"/> opens a nested one and <see cref="Stop"/> ends the innermost.
/// </summary>
public sealed class CompactBytes
{
    private readonly List<byte> _bytes = [];
    private readonly Stack<short> _lastIds = new([0]);

    public int Length => _bytes.Count;

    public byte[] ToArray() => _bytes.ToArray();

    /// <summary>A field header: the short form (id delta 1..15 in the high nibble) when it applies, else the long form.</summary>
    public CompactBytes Field(short id, ThriftCompactType type)
    {
        var delta = id - _lastIds.Peek();
        if (delta is > 0 and <= 15) Raw((byte)(delta << 4 | (int)type));
        else Raw((byte)type).Varint(ZigZag(id));
        _lastIds.Pop();
        _lastIds.Push(id);
        return this;
    }

    public CompactBytes BeginStruct()
    {
        _lastIds.Push(0);
        return this;
    }

    public CompactBytes Stop()
    {
        Raw(0);
        if (_lastIds.Count > 1) _lastIds.Pop();
        return this;
    }

    public CompactBytes ListHeader(int size, ThriftCompactType elementType)
    {
        if (size < 15) return Raw((byte)(size << 4 | (int)elementType));
        return Raw((byte)(0xF0 | (int)elementType)).Varint((ulong)size);
    }

    public CompactBytes I32(int value) => Varint(ZigZag(value));

    public CompactBytes I64(long value) => Varint(ZigZag(value));

    /// <summary>An i64 whose varint is padded with continuation bytes to <paramref name="length"/> bytes, as valid as the short form.</summary>
    public CompactBytes PaddedI64(long value, int length)
    {
        var zigzag = ZigZag(value);
        for (var i = 0; i < length - 1; i++, zigzag >>= 7) Raw((byte)(zigzag & 0x7F | 0x80));
        if (zigzag >= 0x80) throw new ArgumentException($"{value} does not fit in {length} varint bytes");
        return Raw((byte)zigzag);
    }

    public CompactBytes Binary(string text)
    {
        var utf8 = System.Text.Encoding.UTF8.GetBytes(text);
        Varint((ulong)utf8.Length);
        foreach (var b in utf8) Raw(b);
        return this;
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "Thrift's compact protocol names the type DOUBLE")]
    public CompactBytes Double(double value)
    {
        foreach (var b in BitConverter.GetBytes(value)) Raw(b);
        return this;
    }

    public CompactBytes Varint(ulong value)
    {
        while (value >= 0x80)
        {
            Raw((byte)(value | 0x80));
            value >>= 7;
        }
        return Raw((byte)value);
    }

    public CompactBytes Raw(params byte[] bytes)
    {
        _bytes.AddRange(bytes);
        return this;
    }

    private static ulong ZigZag(long value) => (ulong)((value << 1) ^ (value >> 63));
}
