namespace TinyClip.Data.Reading.Guard;

/// <summary>
/// Walks one Thrift compact-protocol struct without building anything, and throws an <see cref="InvalidDataException"/>
/// naming the first thing that cannot be right: a type nibble that is no type, a varint longer than its type allows,
/// a length or element count beyond the bytes left, nesting deeper than <see cref="MaxDepth"/>, or the end of the
/// bytes before the struct's STOP. Every value takes at least one byte and a count is checked against the bytes left
/// before its elements are walked, so a walk is O(bytes) and always ends.
/// <para>
/// Given a shape, the walk also holds the bytes to the decoder the shape describes, one generated the way
/// Parquet.Net 6.1.0's is. Such a decoder chooses what to read by field id alone, so a known field or list element
/// whose wire type it would misread is refused (<see cref="ThriftValueShape.Accepts"/>). It skips the fields it does
/// not know by wire type, reading only the field headers of a struct, no byte for a bool list element, and throwing
/// on sets and maps; unknown fields it would misread that way are refused too. Bytes that pass are decoded exactly as
/// walked, so the decoder never reads past their end (Parquet.Net reads the end as endless 0xFF bytes and then never
/// finishes a varint).
/// </para>
/// <para>
/// A caller that walks only the first bytes of a longer stream says how long the stream is (<c>streamBytes</c>); a
/// walk that needs bytes beyond those given, but within the stream, then throws
/// <see cref="ThriftWindowTooShortException"/>, so the caller can read more. A need beyond the stream is damage. A sink, if given, receives every integer of a known field as it is walked, which is how a caller reads a few
/// values without a decoder of its own.
/// </para>
/// </summary>
public ref struct ThriftCompactWalker
{
    public const int MaxDepth = 64;

    private readonly ReadOnlySpan<byte> _bytes;
    private readonly bool _followsDecoder;
    private readonly ThriftIntegerSink? _integers;
    private readonly long _streamBytes;
    private int _position;

    private ThriftCompactWalker(ReadOnlySpan<byte> bytes, bool followsDecoder, ThriftIntegerSink? integers, long streamBytes)
    {
        _bytes = bytes;
        _followsDecoder = followsDecoder;
        _integers = integers;
        _streamBytes = Math.Max(bytes.Length, streamBytes);
    }

    /// <param name="integers">Told the value of every i16, i32 or i64 field that <paramref name="shape"/> knows (not of list elements).</param>
    /// <param name="streamBytes">How many bytes the struct may span, when <paramref name="bytes"/> are only the first of
    /// them: a walk that needs more of them throws <see cref="ThriftWindowTooShortException"/>. Null: the bytes are all.</param>
    /// <returns>The number of bytes the struct takes, its STOP included.</returns>
    public static int WalkStruct(ReadOnlySpan<byte> bytes, ThriftStructShape? shape = null, ThriftIntegerSink? integers = null, long? streamBytes = null)
    {
        var walker = new ThriftCompactWalker(bytes, followsDecoder: shape is not null, integers, streamBytes ?? bytes.Length);
        walker.Struct(shape, depth: 1);
        return walker._position;
    }

    private readonly int Remaining => _bytes.Length - _position;

    private void Struct(ThriftStructShape? shape, int depth)
    {
        var start = _position;
        if (depth > MaxDepth) throw Damaged($"structs and lists nest deeper than {MaxDepth} at byte {start}");
        short lastId = 0;
        while (true)
        {
            var at = _position;
            if (Remaining == 0) throw EndOfBytes(_bytes.Length + 1L, $"the {shape?.Name ?? "struct"} that starts at byte {start} has no STOP before the end at byte {_bytes.Length}");
            var header = _bytes[_position++];
            if (header == (byte)ThriftCompactType.Stop) return;
            var nibble = header & 0x0F;
            if (!ThriftCompactTypes.IsValue(nibble))
                throw Damaged($"field header 0x{header:x2} at byte {at} has type {nibble}, which is no compact-protocol type");
            var type = (ThriftCompactType)nibble;
            var delta = header >> 4;
            // A short id is a delta from the previous one; the decoder wraps the sum to 16 bits the same way.
            var id = delta == 0 ? I16(new Site(shape?.Name, null, lastId), "next field's id") : (short)(lastId + delta);
            lastId = id;

            if (shape is not null && shape.Fields.TryGetValue(id, out var field))
            {
                var site = new Site(shape.Name, field.Name, id);
                if (!field.Value.Accepts(type)) throw Damaged($"{site} at byte {at} has wire type {ThriftCompactTypes.Name(type)}, expected {field.Value}");
                if (_integers is not null && type is (ThriftCompactType.I16 or ThriftCompactType.I32 or ThriftCompactType.I64))
                    _integers(shape, field, Integer(type, site));
                else
                    Value(type, field.Value, depth, inCollection: false, site);
                continue;
            }
            if (_followsDecoder && shape is null && type is not (ThriftCompactType.BoolTrue or ThriftCompactType.BoolFalse))
                throw Damaged($"field {id} at byte {at} has wire type {ThriftCompactTypes.Name(type)} inside an unknown struct that starts at byte {start}: " +
                    "Parquet.Net skips an unknown struct by its field headers alone and would read this value as field headers");
            Value(type, null, depth, inCollection: false, new Site(shape?.Name, null, id));
        }
    }

    private void Value(ThriftCompactType type, ThriftValueShape? shape, int depth, bool inCollection, Site site)
    {
        switch (type)
        {
            case ThriftCompactType.BoolTrue or ThriftCompactType.BoolFalse:
                // A bool field's value is its header's type nibble; a bool inside a list, set or map takes a byte.
                if (inCollection) Take(1, site, "bool");
                break;
            case ThriftCompactType.Byte:
                Take(1, site, "byte");
                break;
            case ThriftCompactType.I16 or ThriftCompactType.I32 or ThriftCompactType.I64:
                Integer(type, site);
                break;
            case ThriftCompactType.Double:
                Take(8, site, "double");
                break;
            case ThriftCompactType.Binary:
                Binary(site);
                break;
            case ThriftCompactType.List or ThriftCompactType.Set:
                Collection(type, shape?.Element, depth + 1, site);
                break;
            case ThriftCompactType.Map:
                Map(depth + 1, site);
                break;
            case ThriftCompactType.Struct:
                Struct(shape?.Struct, depth + 1);
                break;
        }
    }

    private void Collection(ThriftCompactType kind, ThriftValueShape? element, int depth, Site site)
    {
        var at = _position;
        var noun = kind == ThriftCompactType.List ? "list" : "set";
        if (depth > MaxDepth) throw Damaged($"structs and lists nest deeper than {MaxDepth} at byte {at}");
        if (_followsDecoder && kind == ThriftCompactType.Set) throw Damaged($"{site} at byte {at} is a set, which Parquet.Net cannot skip");
        Take(1, site, "list header");
        var header = _bytes[at];
        long size = header >> 4;
        if (size == 15) size = (long)Varint(5, 32, site, "list size");
        // Decoders never read an empty list's element type, and some writers leave it 0.
        if (size == 0) return;

        var nibble = header & 0x0F;
        if (!ThriftCompactTypes.IsValue(nibble))
            throw Damaged($"{site}: {noun} header 0x{header:x2} at byte {at} has element type {nibble}, which is no compact-protocol type");
        var elementType = (ThriftCompactType)nibble;
        if (element is not null && !element.Accepts(elementType))
            throw Damaged($"{site} at byte {at} is a {noun} of {ThriftCompactTypes.Name(elementType)}, expected {ThriftValueShape.ListOf(element)}");
        if (_followsDecoder && element is null && elementType is (ThriftCompactType.BoolTrue or ThriftCompactType.BoolFalse))
            throw Damaged($"{site} at byte {at} is a {noun} of {size} bools, whose bytes Parquet.Net does not read when it skips them");

        // Every element takes at least a byte (a double eight), so a count the bytes left cannot hold is damage.
        var leastBytes = elementType == ThriftCompactType.Double ? 8 : 1;
        if (size * leastBytes > Remaining)
            throw EndOfBytes(_position + size * leastBytes, leastBytes == 1
                ? $"{site}: {noun} size {size} at byte {at} exceeds the {Remaining} bytes left"
                : $"{site}: {noun} of {size} doubles at byte {at} needs {size * leastBytes} bytes, but {Remaining} are left");
        for (long i = 0; i < size; i++) Value(elementType, element, depth, inCollection: true, site);
    }

    private void Map(int depth, Site site)
    {
        var at = _position;
        if (depth > MaxDepth) throw Damaged($"structs and lists nest deeper than {MaxDepth} at byte {at}");
        if (_followsDecoder) throw Damaged($"{site} at byte {at} is a map, which Parquet.Net cannot skip");
        var size = (long)Varint(5, 32, site, "map size");
        if (size == 0) return;
        var typesAt = _position;
        Take(1, site, "map key and value types");
        var types = _bytes[typesAt];
        if (!ThriftCompactTypes.IsValue(types >> 4) || !ThriftCompactTypes.IsValue(types & 0x0F))
            throw Damaged($"{site}: map types 0x{types:x2} at byte {typesAt} are not two compact-protocol types");
        if (size * 2 > Remaining) throw EndOfBytes(_position + size * 2, $"{site}: map size {size} at byte {at} exceeds the {Remaining} bytes left for its keys and values");
        for (long i = 0; i < size; i++)
        {
            Value((ThriftCompactType)(types >> 4), null, depth, inCollection: true, site);
            Value((ThriftCompactType)(types & 0x0F), null, depth, inCollection: true, site);
        }
    }

    private void Binary(Site site)
    {
        var at = _position;
        var length = (long)Varint(5, 32, site, "binary length");
        if (length > Remaining) throw EndOfBytes(_position + length, $"{site}: binary length {length} at byte {at} exceeds the {Remaining} bytes left");
        _position += (int)length;
    }

    /// <summary>An i16, i32 or i64 value: a zigzag varint of at most 3, 5 or 10 bytes.</summary>
    private long Integer(ThriftCompactType type, Site site)
    {
        if (type == ThriftCompactType.I16) return I16(site, "i16");
        var zigzag = type == ThriftCompactType.I32 ? Varint(5, 32, site, "i32") : Varint(10, 64, site, "i64");
        return (long)(zigzag >> 1) ^ -(long)(zigzag & 1);
    }

    private short I16(Site site, string part)
    {
        var at = _position;
        var zigzag = (uint)Varint(5, 32, site, part);
        var value = (int)(zigzag >> 1) ^ -(int)(zigzag & 1);
        if (value is < short.MinValue or > short.MaxValue) throw Damaged($"{site}: {part} varint at byte {at} holds {value}, outside 16 bits");
        return (short)value;
    }

    private ulong Varint(int maxBytes, int bits, Site site, string part)
    {
        var at = _position;
        ulong value = 0;
        for (var i = 0; i < maxBytes; i++)
        {
            if (Remaining == 0) throw EndOfBytes(_bytes.Length + 1L, $"{site}: {part} varint at byte {at} runs past the end at byte {_bytes.Length}");
            var b = _bytes[_position++];
            value |= (ulong)(b & 0x7F) << (7 * i);
            if ((b & 0x80) != 0) continue;
            var overflows = bits == 64 ? i == 9 && b > 1 : value >> bits != 0;
            if (overflows) throw Damaged($"{site}: {part} varint at byte {at} does not fit in {bits} bits");
            return value;
        }
        throw Damaged($"{site}: {part} varint at byte {at} is longer than the {maxBytes} bytes a {bits}-bit value takes");
    }

    private void Take(int count, Site site, string part)
    {
        if (count > Remaining) throw EndOfBytes((long)_position + count, $"{site}: {part} of {count} bytes at byte {_position} runs past the end at byte {_bytes.Length}");
        _position += count;
    }

    private static InvalidDataException Damaged(string message) => new(message);

    /// <param name="neededEnd">The end of the bytes the walk needs: within the stream, more of it must be read; beyond, it is damage.</param>
    private readonly Exception EndOfBytes(long neededEnd, string message) =>
        neededEnd <= _streamBytes ? new ThriftWindowTooShortException(message) : Damaged(message);

    /// <summary>The field a value belongs to, named in messages; formatted only when one is thrown.</summary>
    private readonly record struct Site(string? Struct, string? Field, short Id)
    {
        public override string ToString() =>
            Field is not null ? $"{Struct}.{Field} (field {Id})" : Struct is not null ? $"{Struct} field {Id}" : $"field {Id}";
    }
}

/// <summary>Receives the value of an integer field of a known struct during a walk.</summary>
public delegate void ThriftIntegerSink(ThriftStructShape owner, ThriftFieldShape field, long value);

/// <summary>The struct needs bytes beyond the start of the stream that was walked: read more and walk again.</summary>
public sealed class ThriftWindowTooShortException(string message) : Exception(message);
