using TinyClip.Data.Ordering;

namespace TinyClip.Data.Pipeline;

/// <summary>
/// Builds a node's rows of each global batch from one chunk per lane that has slots among those rows: lane j's chunk
/// fills slots [j*N/L, (j+1)*N/L), of which the node keeps the ones inside its rows (a lane at a node boundary is
/// decoded by both nodes, each keeping its part). Images are shared with the chunks, not copied.
/// </summary>
public sealed class NodeBatchAssembler
{
    private readonly LaneLayout _layout;
    private readonly RowRange _rows;
    private readonly int _imageSize;
    private readonly int _contextLength;
    private readonly bool _withLabels;
    private readonly PipelineCounters _counters;
    private long _globalBatch;

    public NodeBatchAssembler(LaneLayout layout, RowRange rows, long firstGlobalBatch, int imageSize, int contextLength, bool withLabels, PipelineCounters counters)
    {
        if (rows.Start < 0 || rows.End > layout.BatchSize || rows.Count < 1)
            throw new ArgumentOutOfRangeException(nameof(rows), $"{rows} of a global batch of {layout.BatchSize}");
        _layout = layout;
        _rows = rows;
        _imageSize = imageSize;
        _contextLength = contextLength;
        _withLabels = withLabels;
        _counters = counters;
        _globalBatch = firstGlobalBatch;
        Lanes = layout.LanesOverlapping(rows);
    }

    /// <summary>The lanes this node runs, in the order <see cref="Build"/> takes their chunks.</summary>
    public IReadOnlyList<int> Lanes { get; }

    public TrainingBatch Build(IReadOnlyList<LaneChunk> chunks)
    {
        if (!chunks.Select(c => c.Step.Lane).SequenceEqual(Lanes))
            throw new ArgumentException($"chunks of lanes [{string.Join(", ", chunks.Select(c => c.Step.Lane))}], expected [{string.Join(", ", Lanes)}]");
        var images = new List<ImageRows>();
        var tokens = new int[checked(_rows.Count * _contextLength)];
        var labels = _withLabels ? new int[_rows.Count] : null;
        var keys = new string[_rows.Count];
        var ids = new long[_rows.Count];
        foreach (var chunk in chunks)
        {
            var slots = _layout.Slots(chunk.Step.Lane);
            if (chunk.Count != slots.Count) throw new ArgumentException($"lane {chunk.Step.Lane} brought {chunk.Count} samples for {slots.Count} slots");
            var kept = new RowRange(Math.Max(slots.Start, _rows.Start), Math.Min(slots.End, _rows.End));
            var from = (int)(kept.Start - slots.Start);
            var to = (int)(kept.Start - _rows.Start);
            images.Add(chunk.Images.Slice(from, kept.Count));
            Array.Copy(chunk.Tokens, from * _contextLength, tokens, to * _contextLength, kept.Count * _contextLength);
            if (labels is not null) Array.Copy(chunk.Labels!, from, labels, to, kept.Count);
            Array.Copy(chunk.Keys, from, keys, to, kept.Count);
            Array.Copy(chunk.SampleIds, from, ids, to, kept.Count);
        }
        _counters.BatchAssembled();
        return new TrainingBatch(_globalBatch++, _layout, _rows, ImageRows.Concat(_imageSize, images), tokens, labels, keys, ids, _contextLength,
            chunks.Select(c => c.Step).ToArray());
    }
}
