using TinyClip.Data.Reading.Guard;
using TinyClip.Data.Reading;
using TinyClip.Data.Tests.Support;
using T = TinyClip.Data.Reading.Guard.ThriftCompactType;

namespace TinyClip.Data.Tests;

/// <summary>The generic walk (no shape) over hand-built compact-protocol bytes.</summary>
public class ThriftCompactWalkerTests
{
    [Fact]
    public void A_minimal_struct_is_its_stop_byte()
    {
        Assert.Equal(1, ThriftCompactWalker.WalkStruct([0x00, 0x99, 0x99]));
    }

    [Fact]
    public void A_struct_with_every_type_is_walked_to_its_stop_and_no_further()
    {
        var bytes = new CompactBytes()
            .Field(1, T.BoolTrue).Field(2, T.BoolFalse)
            .Field(3, T.Byte).Raw(0xFF)
            .Field(4, T.I16).I32(-32768)
            .Field(5, T.I32).I32(int.MinValue)
            .Field(6, T.I64).I64(long.MinValue)
            .Field(7, T.Double).Double(-0.5)
            .Field(8, T.Binary).Binary("héllo")
            .Field(9, T.List).ListHeader(20, T.I32);
        for (var i = 0; i < 20; i++) bytes.I32(i * 1000);
        bytes.Field(10, T.Set).ListHeader(2, T.Binary).Binary("a").Binary("")
            .Field(11, T.Map).Varint(2).Raw(0x86).Binary("k1").I64(1).Binary("k2").I64(-1)
            .Field(12, T.List).ListHeader(3, T.BoolTrue).Raw(1, 2, 1)
            .Field(13, T.List).ListHeader(2, T.Double).Double(1).Double(2)
            .Field(300, T.Struct).BeginStruct().Field(-4, T.List).ListHeader(1, T.Struct).BeginStruct().Stop().Stop()
            .Field(14, T.List).ListHeader(0, T.Stop)
            .Field(15, T.Map).Varint(0)
            .Stop();
        var expected = bytes.Length;
        bytes.Raw(0x1D, 0xFF, 0xFF); // damage after the STOP is not the struct's

        Assert.Equal(expected, ThriftCompactWalker.WalkStruct(bytes.ToArray()));
    }

    public static TheoryData<string, byte[], string> Damaged() => new()
    {
        { "list size beyond the bytes left", new CompactBytes().Field(1, T.List).ListHeader(1000, T.I32).I32(1).I32(2).Stop().ToArray(),
            "list size 1000 at byte 1 exceeds the 3 bytes left" },
        { "list of doubles beyond the bytes left", new CompactBytes().Field(1, T.List).ListHeader(2, T.Double).Double(1).Stop().ToArray(),
            "list of 2 doubles at byte 1 needs 16 bytes, but 9 are left" },
        { "set size beyond the bytes left", new CompactBytes().Field(1, T.Set).ListHeader(15, T.Binary).Binary("a").Stop().ToArray(),
            "set size 15 at byte 1 exceeds the 3 bytes left" },
        { "map size beyond the bytes left", new CompactBytes().Field(1, T.Map).Varint(9).Raw(0x55).I32(1).I32(2).Stop().ToArray(),
            "map size 9 at byte 1 exceeds the 3 bytes left" },
        { "type nibble 13 in a field header", new CompactBytes().Field(1, T.I32).I32(5).Raw(0x1D).Stop().ToArray(),
            "field header 0x1d at byte 2 has type 13, which is no compact-protocol type" },
        { "type nibble 0 with a field id", new CompactBytes().Raw(0x10).Stop().ToArray(),
            "field header 0x10 at byte 0 has type 0" },
        { "list element type 15", new CompactBytes().Field(1, T.List).Raw(0x1F, 0x00).Stop().ToArray(),
            "list header 0x1f at byte 1 has element type 15" },
        { "map value type 0", new CompactBytes().Field(1, T.Map).Varint(1).Raw(0x50, 0x02, 0x02).Stop().ToArray(),
            "map types 0x50 at byte 2 are not two compact-protocol types" },
        { "an 11-byte i64 varint", new CompactBytes().Field(1, T.I64).Raw(Enumerable.Repeat((byte)0xFF, 10).Append((byte)0x01).ToArray()).Stop().ToArray(),
            "varint at byte 1 is longer than the 10 bytes a 64-bit value takes" },
        { "a 10-byte i64 varint beyond 64 bits", new CompactBytes().Field(1, T.I64).Raw(Enumerable.Repeat((byte)0xFF, 9).Append((byte)0x02).ToArray()).Stop().ToArray(),
            "varint at byte 1 does not fit in 64 bits" },
        { "a 6-byte i32 varint", new CompactBytes().Field(1, T.I32).Raw(0x80, 0x80, 0x80, 0x80, 0x80, 0x01).Stop().ToArray(),
            "varint at byte 1 is longer than the 5 bytes a 32-bit value takes" },
        { "an i16 outside 16 bits", new CompactBytes().Field(1, T.I16).I32(40_000).Stop().ToArray(),
            "i16 varint at byte 1 holds 40000, outside 16 bits" },
        { "a string longer than the bytes left", new CompactBytes().Field(1, T.Binary).Varint(10).Raw((byte)'a', (byte)'b').Stop().ToArray(),
            "binary length 10 at byte 1 exceeds the 3 bytes left" },
        { "a double cut by the end", new CompactBytes().Field(1, T.Double).Raw(1, 2, 3).ToArray(),
            "double of 8 bytes at byte 1 runs past the end at byte 4" },
        { "a varint cut by the end", new CompactBytes().Field(1, T.I64).Raw(0x80, 0x80).ToArray(),
            "varint at byte 1 runs past the end at byte 3" },
        { "no STOP", new CompactBytes().Field(1, T.I32).I32(7).Field(2, T.BoolTrue).ToArray(),
            "the struct that starts at byte 0 has no STOP before the end at byte 3" },
        { "a nested struct without its STOP", new CompactBytes().Field(1, T.Struct).BeginStruct().Field(1, T.I32).I32(7).ToArray(),
            "the struct that starts at byte 1 has no STOP before the end at byte 3" },
        { "structs nested 65 deep", Nested(65), "nest deeper than 64 at byte 64" },
        { "lists nested 65 deep", [0x19, .. Enumerable.Repeat((byte)0x19, 63), 0x15, 0x00, 0x00],
            "nest deeper than 64 at byte 64" },
        { "empty input", [], "has no STOP before the end at byte 0" },
    };

    [Theory]
    [MemberData(nameof(Damaged))]
    public void Damaged_bytes_are_refused_with_a_message_naming_the_problem(string what, byte[] bytes, string message)
    {
        var error = Assert.Throws<InvalidDataException>(() => ThriftCompactWalker.WalkStruct(bytes));
        Assert.True(error.Message.Contains(message, StringComparison.Ordinal), $"{what}: {error.Message}");
    }

    [Fact]
    public void Nesting_64_deep_is_allowed()
    {
        var bytes = Nested(64);
        Assert.Equal(bytes.Length, ThriftCompactWalker.WalkStruct(bytes));
    }

    [Fact]
    public void A_list_count_is_checked_against_the_bytes_left_before_its_elements_are_walked()
    {
        var claims = new CompactBytes().Field(1, T.List).ListHeader(int.MaxValue, T.BoolTrue).Raw(1, 1, 1).Stop().ToArray();
        var error = Assert.Throws<InvalidDataException>(() => ThriftCompactWalker.WalkStruct(claims));
        Assert.Contains($"list size {int.MaxValue} at byte 1 exceeds the 4 bytes left", error.Message);

        var real = new CompactBytes().Field(1, T.List).ListHeader(100_000, T.BoolTrue).Raw(Enumerable.Repeat((byte)1, 100_000).ToArray()).Stop().ToArray();
        Assert.Equal(real.Length, ThriftCompactWalker.WalkStruct(real));
    }

    private static readonly ThriftStructShape Inner = new("Inner", new ThriftFieldShape(1, "count", ThriftValueShape.I32));
    private static readonly ThriftStructShape Outer = new("Outer",
        new ThriftFieldShape(1, "small", ThriftValueShape.I16),
        new ThriftFieldShape(2, "size", ThriftValueShape.I32),
        new ThriftFieldShape(3, "big", ThriftValueShape.I64),
        new ThriftFieldShape(4, "inner", ThriftValueShape.Of(Inner)),
        new ThriftFieldShape(5, "numbers", ThriftValueShape.ListOf(ThriftValueShape.I32)));

    [Fact]
    public void A_sink_gets_every_integer_of_a_known_field_with_its_struct_and_value()
    {
        var bytes = new CompactBytes()
            .Field(1, T.I16).I32(-300)
            .Field(2, T.I32).I32(int.MinValue)
            .Field(3, T.I64).I64(long.MaxValue)
            .Field(4, T.Struct).BeginStruct().Field(1, T.I32).I32(7).Stop()
            .Field(5, T.List).ListHeader(2, T.I32).I32(11).I32(12)
            .Field(9, T.I32).I32(99) // unknown: walked, not reported
            .Stop().ToArray();
        var seen = new List<string>();
        var length = ThriftCompactWalker.WalkStruct(bytes, Outer, (owner, field, value) => seen.Add($"{owner.Name}.{field.Name}={value}"));

        Assert.Equal(bytes.Length, length);
        Assert.Equal(["Outer.small=-300", $"Outer.size={int.MinValue}", $"Outer.big={long.MaxValue}", "Inner.count=7"], seen);
    }

    [Fact]
    public void Running_out_of_bytes_that_are_the_start_of_more_asks_for_more_and_damage_is_still_damage()
    {
        var whole = new CompactBytes().Field(2, T.I32).I32(5).Field(8, T.Binary).Binary("statistics").Stop().ToArray();
        foreach (var cut in new[] { 1, 3, whole.Length - 1 })
        {
            var start = whole.AsSpan(0, cut).ToArray();
            Assert.Throws<ThriftWindowTooShortException>(() => ThriftCompactWalker.WalkStruct(start, Outer, streamBytes: whole.Length));
            Assert.Throws<InvalidDataException>(() => ThriftCompactWalker.WalkStruct(start, Outer));
        }
        Assert.Equal(whole.Length, ThriftCompactWalker.WalkStruct(whole, Outer, streamBytes: 1000));
        // A type nibble that is no type is damage however many bytes follow.
        Assert.Throws<InvalidDataException>(() => ThriftCompactWalker.WalkStruct([0x1E, 0x00], Outer, streamBytes: 1000));
        // So is a length the stream cannot hold: no need to read on to find out.
        var huge = new CompactBytes().Field(8, T.Binary).Varint(2_000_000_000).Raw(1, 2).ToArray();
        var error = Assert.Throws<InvalidDataException>(() => ThriftCompactWalker.WalkStruct(huge, Outer, streamBytes: 1_000_000));
        Assert.Equal("Outer field 8: binary length 2000000000 at byte 1 exceeds the 2 bytes left", error.Message);
        Assert.Throws<ThriftWindowTooShortException>(() => ThriftCompactWalker.WalkStruct(huge, Outer, streamBytes: 3_000_000_000));
    }

    /// <summary><paramref name="depth"/> structs, each the only field (id 1) of the one outside it.</summary>
    private static byte[] Nested(int depth) => [.. Enumerable.Repeat((byte)0x1C, depth - 1), .. Enumerable.Repeat((byte)0x00, depth)];
}
