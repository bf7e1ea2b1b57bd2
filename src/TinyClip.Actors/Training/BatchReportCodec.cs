using TinyClip.Data.Ordering;
using TinyClip.Data.Pipeline;

namespace TinyClip.Actors.Training;

/// <summary>
/// A <see cref="BatchReport"/> as floats, the collectives' element type: every integer in 16-bit pieces, one a float,
/// so that each survives exactly whatever the transport does with float bits.
/// </summary>
public static class BatchReportCodec
{
    private const int FloatsPerValue = 4;

    public static float[] Encode(BatchReport report)
    {
        var values = new List<ulong> { (ulong)report.GlobalBatch, (ulong)report.Lanes.Count };
        foreach (var lane in report.Lanes)
            values.AddRange([(ulong)lane.Lane, (ulong)lane.Start.Epoch, (ulong)lane.Start.Position, (ulong)lane.Next.Epoch, (ulong)lane.Next.Position, lane.Digest]);
        var floats = new float[values.Count * FloatsPerValue];
        for (var v = 0; v < values.Count; v++)
            for (var part = 0; part < FloatsPerValue; part++)
                floats[v * FloatsPerValue + part] = (ushort)(values[v] >> (16 * part));
        return floats;
    }

    /// <summary>The reports of all members, in rank order, from the concatenation of their encoded forms.</summary>
    public static IReadOnlyList<BatchReport> DecodeAll(float[] gathered)
    {
        var reports = new List<BatchReport>();
        var offset = 0;
        ulong Next()
        {
            if (offset + FloatsPerValue > gathered.Length) throw new InvalidDataException("a batch report ends early");
            ulong value = 0;
            for (var part = 0; part < FloatsPerValue; part++)
            {
                var piece = gathered[offset + part];
                if (piece is < 0 or > ushort.MaxValue || piece != MathF.Floor(piece)) throw new InvalidDataException($"a batch report holds {piece}, not a 16-bit piece");
                value |= (ulong)piece << (16 * part);
            }
            offset += FloatsPerValue;
            return value;
        }
        while (offset < gathered.Length)
        {
            var globalBatch = (long)Next();
            var count = (int)Next();
            var lanes = new LaneStep[count];
            for (var i = 0; i < count; i++)
            {
                var lane = (int)Next();
                var start = new LanePosition((int)Next(), (long)Next());
                var next = new LanePosition((int)Next(), (long)Next());
                lanes[i] = new LaneStep(lane, start, next, Next());
            }
            reports.Add(new BatchReport(globalBatch, lanes));
        }
        return reports;
    }

}
