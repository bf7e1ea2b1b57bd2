namespace TinyClip.Data.Reading.Guard;

/// <summary>The type nibble of a Thrift compact-protocol field header or list header.</summary>
public enum ThriftCompactType : byte
{
    Stop = 0,
    BoolTrue = 1,
    BoolFalse = 2,
    Byte = 3,
    I16 = 4,
    I32 = 5,
    I64 = 6,
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "Thrift's compact protocol names the type DOUBLE")]
    Double = 7,
    Binary = 8,
    List = 9,
    Set = 10,
    Map = 11,
    Struct = 12,
}

/// <summary>
/// The value a decoder reads for a field or list element: its wire type, plus the element for a list or the fields
/// for a struct. A bool is written as <see cref="ThriftCompactType.BoolTrue"/> and accepts either bool nibble.
/// </summary>
public sealed record ThriftValueShape(ThriftCompactType Type, ThriftValueShape? Element = null, ThriftStructShape? Struct = null)
{
    public static readonly ThriftValueShape Bool = new(ThriftCompactType.BoolTrue);
    public static readonly ThriftValueShape Byte = new(ThriftCompactType.Byte);
    public static readonly ThriftValueShape I16 = new(ThriftCompactType.I16);
    public static readonly ThriftValueShape I32 = new(ThriftCompactType.I32);
    public static readonly ThriftValueShape I64 = new(ThriftCompactType.I64);
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "Thrift's compact protocol names the type DOUBLE")]
    public static readonly ThriftValueShape Double = new(ThriftCompactType.Double);
    public static readonly ThriftValueShape Binary = new(ThriftCompactType.Binary);

    public static ThriftValueShape ListOf(ThriftValueShape element) => new(ThriftCompactType.List, element);

    public static ThriftValueShape Of(ThriftStructShape shape) => new(ThriftCompactType.Struct, Struct: shape);

    /// <summary>
    /// Whether the decoder reads a value of this wire type to its last byte and no further. Integers of any width are
    /// zigzag varints, which the decoder reads up to the byte that ends them whatever width it expects.
    /// </summary>
    public bool Accepts(ThriftCompactType wire) => Type switch
    {
        ThriftCompactType.BoolTrue => wire is ThriftCompactType.BoolTrue or ThriftCompactType.BoolFalse,
        ThriftCompactType.I16 or ThriftCompactType.I32 or ThriftCompactType.I64 => wire is ThriftCompactType.I16 or ThriftCompactType.I32 or ThriftCompactType.I64,
        _ => wire == Type,
    };

    public override string ToString() => Type switch
    {
        ThriftCompactType.BoolTrue => "bool",
        ThriftCompactType.List => $"list<{Element}>",
        ThriftCompactType.Struct => Struct!.Name,
        _ => ThriftCompactTypes.Name(Type),
    };
}

/// <summary>One field a decoder knows: its id in the struct, its IDL name and what it reads.</summary>
public sealed record ThriftFieldShape(short Id, string Name, ThriftValueShape Value);

/// <summary>The fields a decoder knows in one struct, by id; fields with other ids are skipped by their wire type.</summary>
public sealed class ThriftStructShape(string name, params ThriftFieldShape[] fields)
{
    public string Name { get; } = name;

    public IReadOnlyDictionary<short, ThriftFieldShape> Fields { get; } = fields.ToDictionary(f => f.Id);
}

public static class ThriftCompactTypes
{
    /// <summary>Whether a type nibble names a value: not STOP, and not 13..15 (newer Thrift's UUID is 13; Parquet.Net cannot read it).</summary>
    public static bool IsValue(int nibble) => nibble is >= (int)ThriftCompactType.BoolTrue and <= (int)ThriftCompactType.Struct;

    public static string Name(ThriftCompactType type) => type switch
    {
        ThriftCompactType.BoolTrue or ThriftCompactType.BoolFalse => "bool",
        _ => type.ToString().ToLowerInvariant(),
    };
}
