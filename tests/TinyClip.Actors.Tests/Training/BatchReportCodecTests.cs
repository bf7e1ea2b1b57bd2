using TinyClip.Actors.Training;
using TinyClip.Data.Ordering;
using TinyClip.Data.Pipeline;

namespace TinyClip.Actors.Tests.Training;

public class BatchReportCodecTests
{
    [Fact]
    public void Reports_survive_the_float_transport_exactly_and_concatenated_in_rank_order()
    {
        // Positions beyond float's 2^24 integers and digests using all 64 bits must come back bit for bit.
        var first = new BatchReport(123_456_789_012, [
            new LaneStep(0, new LanePosition(3, 16_777_217), new LanePosition(4, 0), ulong.MaxValue),
            new LaneStep(11, new LanePosition(0, 0), new LanePosition(0, long.MaxValue), 0x8000_0000_0000_0001)]);
        var second = new BatchReport(0, []);
        var third = new BatchReport(7, [new LaneStep(65_535, new LanePosition(int.MaxValue, 42), new LanePosition(int.MaxValue, 43), 12345)]);

        var gathered = new[] { first, second, third }.SelectMany(BatchReportCodec.Encode).ToArray();
        var decoded = BatchReportCodec.DecodeAll(gathered);

        Assert.Equal(3, decoded.Count);
        Assert.Equal((first.GlobalBatch, second.GlobalBatch, third.GlobalBatch), (decoded[0].GlobalBatch, decoded[1].GlobalBatch, decoded[2].GlobalBatch));
        Assert.Equal(first.Lanes, decoded[0].Lanes);
        Assert.Empty(decoded[1].Lanes);
        Assert.Equal(third.Lanes, decoded[2].Lanes);
        Assert.All(gathered, f => Assert.True(f is >= 0 and <= ushort.MaxValue && f == MathF.Floor(f)));
    }

    [Fact]
    public void A_garbled_report_is_refused_instead_of_misread()
    {
        var encoded = BatchReportCodec.Encode(new BatchReport(5, [new LaneStep(1, LanePosition.Start, new LanePosition(0, 2), 9)]));
        Assert.Throws<InvalidDataException>(() => BatchReportCodec.DecodeAll(encoded[..^1]));
        encoded[3] = 0.5f;
        Assert.Throws<InvalidDataException>(() => BatchReportCodec.DecodeAll(encoded));
    }
}
