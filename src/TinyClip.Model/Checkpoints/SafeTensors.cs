using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using static TorchSharp.torch;

namespace TinyClip.Model;

/// <summary>
/// The safetensors format: an 8-byte little-endian header length, a JSON header mapping each name to
/// {dtype, shape, data_offsets} (plus an optional "__metadata__" string map), then the raw little-endian
/// data. Reading validates everything before touching tensor data, as strictly as the reference
/// implementation (offsets must tile the data section exactly), and up-casts F16/BF16 to F32.
/// </summary>
public static class SafeTensors
{
    const string MetadataKey = "__metadata__";
    const long MaxHeaderBytes = 100_000_000;
    const int CopyBufferBytes = 1 << 20;

    static readonly Dictionary<string, ScalarType> DTypes = new()
    {
        ["F64"] = ScalarType.Float64, ["F32"] = ScalarType.Float32, ["F16"] = ScalarType.Float16,
        ["BF16"] = ScalarType.BFloat16, ["I64"] = ScalarType.Int64, ["I32"] = ScalarType.Int32,
    };

    static readonly Dictionary<ScalarType, int> ElementBytes = new()
    {
        [ScalarType.Float64] = 8, [ScalarType.Float32] = 4, [ScalarType.Float16] = 2,
        [ScalarType.BFloat16] = 2, [ScalarType.Int64] = 8, [ScalarType.Int32] = 4,
    };

    sealed record Entry(string Name, ScalarType DType, long[] Shape, long Begin, long End);

    public static LoadedCheckpoint Read(string path)
    {
        using var stream = File.OpenRead(path);
        var (entries, metadata, dataStart) = ReadHeader(path, stream);
        using var scope = NewDisposeScope();
        var tensors = new Dictionary<string, Tensor>();
        foreach (var e in entries)
        {
            var t = empty(e.Shape, e.DType);
            stream.Seek(dataStart + e.Begin, SeekOrigin.Begin);
            t.ReadBytesFromStream(stream, CopyBufferBytes);
            if (e.DType is ScalarType.Float16 or ScalarType.BFloat16) t = t.to(float32);
            tensors[e.Name] = t.MoveToOuterDisposeScope();
        }
        return new LoadedCheckpoint(tensors, metadata);
    }

    /// <summary>Names and shapes plus metadata, validated, without reading tensor data (for inspecting big files).</summary>
    public static (IReadOnlyDictionary<string, long[]> Shapes, IReadOnlyDictionary<string, string> Metadata) ReadHeaderOnly(string path)
    {
        using var stream = File.OpenRead(path);
        var (entries, metadata, _) = ReadHeader(path, stream);
        return (entries.ToDictionary(e => e.Name, e => e.Shape), metadata);
    }

    /// <summary>Writes contiguous CPU copies of <paramref name="tensors"/> atomically and durably (see <see cref="AtomicFile"/>);
    /// returns the file's SHA-256.</summary>
    public static string Write(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null) =>
        AtomicFile.Write(path, stream => WriteTo(stream, tensors, metadata));

    public static void WriteTo(Stream stream, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var scope = NewDisposeScope();
        var header = new Dictionary<string, object>();
        if (metadata is { Count: > 0 }) header[MetadataKey] = metadata;
        var ordered = tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        long offset = 0;
        foreach (var (name, tensor) in ordered)
        {
            if (name == MetadataKey) throw new ArgumentException($"'{MetadataKey}' cannot be a tensor name");
            var dtypeName = DTypes.FirstOrDefault(d => d.Value == tensor.dtype).Key
                ?? throw new ArgumentException($"tensor '{name}': dtype {tensor.dtype} cannot be written (F64, F32, F16, BF16, I64, I32)");
            long bytes = tensor.numel() * ElementBytes[tensor.dtype];
            header[name] = new { dtype = dtypeName, shape = tensor.shape, data_offsets = new[] { offset, offset + bytes } };
            offset += bytes;
        }
        var json = JsonSerializer.SerializeToUtf8Bytes(header);
        // Pad the header with spaces so the data section starts 8-byte aligned, as the reference writer does.
        int padded = (json.Length + 7) / 8 * 8;

        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
        stream.Write(length);
        stream.Write(json);
        for (int i = json.Length; i < padded; i++) stream.WriteByte((byte)' ');
        foreach (var (_, tensor) in ordered)
            tensor.detach().cpu().contiguous().WriteBytesToStream(stream, CopyBufferBytes);
    }

    static (List<Entry> Entries, IReadOnlyDictionary<string, string> Metadata, long DataStart) ReadHeader(string path, FileStream stream)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors IO assumes a little-endian machine");
        long fileLength = stream.Length;
        if (fileLength < 8) Fail(path, null, $"file is {fileLength} bytes, too short for the 8-byte header length");
        Span<byte> lengthBytes = stackalloc byte[8];
        stream.ReadExactly(lengthBytes);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > MaxHeaderBytes) Fail(path, null, $"header length {headerLength} exceeds the {MaxHeaderBytes}-byte limit");
        if (8 + (long)headerLength > fileLength)
            Fail(path, null, $"header length {headerLength} runs past the end of the {fileLength}-byte file (truncated?)");
        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        long dataStart = 8 + (long)headerLength;
        long dataLength = fileLength - dataStart;

        JsonDocument doc;
        try { doc = JsonDocument.Parse(headerBytes); }
        catch (JsonException e) { throw new CheckpointFormatException(path, null, $"header is not valid JSON: {e.Message}"); }
        using var _ = doc;
        if (doc.RootElement.ValueKind != JsonValueKind.Object) Fail(path, null, "header is not a JSON object");

        var metadata = new Dictionary<string, string>();
        var entries = new List<Entry>();
        foreach (var property in doc.RootElement.EnumerateObject())
        {
            if (property.Name == MetadataKey)
            {
                if (property.Value.ValueKind != JsonValueKind.Object) Fail(path, null, "__metadata__ is not an object");
                foreach (var m in property.Value.EnumerateObject())
                {
                    if (m.Value.ValueKind != JsonValueKind.String) Fail(path, null, $"__metadata__ value '{m.Name}' is not a string");
                    metadata[m.Name] = m.Value.GetString()!;
                }
                continue;
            }
            entries.Add(ParseEntry(path, property.Name, property.Value, dataLength));
        }

        // Offsets must tile [0, dataLength) exactly: no overlap, no gaps, nothing left over.
        long expected = 0;
        Entry? previous = null;
        foreach (var e in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (e.Begin < expected) Fail(path, e.Name, $"data_offsets [{e.Begin}, {e.End}] overlap tensor '{previous!.Name}' [{previous.Begin}, {previous.End}]");
            if (e.Begin > expected) Fail(path, e.Name, $"data_offsets [{e.Begin}, {e.End}] leave a gap after byte {expected}");
            expected = e.End;
            previous = e;
        }
        if (expected != dataLength)
            Fail(path, null, expected < dataLength
                ? $"data section has {dataLength} bytes but tensors cover only {expected}"
                : $"tensors need {expected} data bytes but the file has {dataLength} (truncated?)");
        return (entries, metadata, dataStart);
    }

    static Entry ParseEntry(string path, string name, JsonElement value, long dataLength)
    {
        if (value.ValueKind != JsonValueKind.Object) Fail(path, name, "header entry is not an object");
        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            Fail(path, name, "dtype is missing");
        string dtypeName = dtypeElement.GetString()!;
        if (!DTypes.TryGetValue(dtypeName, out var dtype)) Fail(path, name, $"dtype '{dtypeName}' is not supported (F64, F32, F16, BF16, I64, I32)");

        var shape = LongArray(path, name, value, "shape");
        if (shape.Any(d => d < 0)) Fail(path, name, $"shape [{string.Join(", ", shape)}] has a negative dimension");
        var offsets = LongArray(path, name, value, "data_offsets");
        if (offsets.Length != 2) Fail(path, name, $"data_offsets must have 2 entries, got {offsets.Length}");
        long begin = offsets[0], end = offsets[1];
        if (begin < 0 || end < begin) Fail(path, name, $"data_offsets [{begin}, {end}] are not an ordered non-negative range");
        if (end > dataLength) Fail(path, name, $"data_offsets [{begin}, {end}] run past the {dataLength}-byte data section (truncated?)");

        long bytes;
        try { bytes = checked(shape.Aggregate(1L, (a, b) => a * b) * ElementBytes[dtype]); }
        catch (OverflowException) { throw new CheckpointFormatException(path, name, $"shape [{string.Join(", ", shape)}] is too large"); }
        if (bytes != end - begin)
            Fail(path, name, $"shape [{string.Join(", ", shape)}] of {dtypeName} needs {bytes} bytes but data_offsets [{begin}, {end}] span {end - begin}");
        return new Entry(name, dtype, shape, begin, end);
    }

    static long[] LongArray(string path, string name, JsonElement entry, string field)
    {
        if (!entry.TryGetProperty(field, out var array) || array.ValueKind != JsonValueKind.Array)
            Fail(path, name, $"{field} is missing or not an array");
        var result = new List<long>();
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out var v)) Fail(path, name, $"{field} holds a non-integer {item.GetRawText()}");
            result.Add(item.GetInt64());
        }
        return result.ToArray();
    }

    [DoesNotReturn]
    static void Fail(string path, string? key, string problem) => throw new CheckpointFormatException(path, key, problem);
}
