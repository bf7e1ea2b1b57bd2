using TinyClip.Data.Ordering;

namespace TinyClip.Data.Pipeline;

/// <summary>
/// Cuts one lane's processed samples, arriving in the lane's order, into chunks of exactly as many usable samples as
/// the lane has slots. A failed sample is skipped and the lane takes its next usable sample, so every lane (and the
/// global batch) stays full and the result depends only on the lane's own samples. Each usable sample is copied into
/// the chunk at once, so the chunker holds no decoded samples.
/// </summary>
public sealed class LaneChunker
{
    private readonly int _lane;
    private readonly int _slots;
    private readonly int _imageSize;
    private readonly int _contextLength;
    private readonly bool _withLabels;
    private readonly PipelineCounters _counters;
    private readonly Func<LanePosition, LanePosition> _after;
    private LanePosition _start;
    private int _epoch;
    private bool _epochFromStart;
    private bool _usableThisEpoch;
    private int _filled;
    private ImageRowsBuilder _images = null!;
    private int[] _tokens = [];
    private int[]? _labels;
    private string[] _keys = [];
    private long[] _ids = [];

    /// <param name="after">The lane's position after a given one (see <see cref="SampleOrder.After"/>).</param>
    public LaneChunker(int lane, LanePosition start, int slots, int imageSize, int contextLength, bool withLabels, PipelineCounters counters,
        Func<LanePosition, LanePosition> after)
    {
        _after = after;
        _lane = lane;
        _slots = slots;
        _imageSize = imageSize;
        _contextLength = contextLength;
        _withLabels = withLabels;
        _counters = counters;
        _start = start;
        _epoch = start.Epoch;
        _epochFromStart = start.Position == 0;
        StartChunk();
    }

    /// <summary>Adds the lane's next sample; returns the chunk it completes, if any.</summary>
    /// <exception cref="InvalidDataException">The lane went through a whole epoch of its share without one usable sample.</exception>
    public IEnumerable<LaneChunk> Add(ProcessedSample sample)
    {
        var candidate = sample.Candidate;
        if (candidate.Epoch != _epoch) StartEpoch(candidate.Epoch);
        if (!sample.IsUsable) return [];
        _usableThisEpoch = true;

        var row = _filled++;
        sample.MovePixelsTo(_images.Row(row));
        sample.Tokens!.CopyTo(_tokens, row * _contextLength);
        if (_labels is not null) _labels[row] = candidate.Raw.Label ?? -1;
        _keys[row] = candidate.Raw.Key;
        _ids[row] = candidate.Raw.SampleId;
        _counters.SampleCopiedIntoBatch();
        if (_filled < _slots) return [];

        var next = _after(new LanePosition(candidate.Epoch, candidate.Position));
        var chunk = new LaneChunk(new LaneStep(_lane, _start, next, LaneStep.DigestOf(_ids)), _images.Build(), _tokens, _labels, _keys, _ids);
        _start = next;
        StartChunk();
        return [chunk];
    }

    private void StartEpoch(int epoch)
    {
        if (_epochFromStart && !_usableThisEpoch)
            throw new InvalidDataException($"lane {_lane} has no usable sample in its share of epoch {_epoch}; see quarantine.jsonl");
        _epoch = epoch;
        _epochFromStart = true;
        _usableThisEpoch = false;
    }

    private void StartChunk()
    {
        _filled = 0;
        _images = new ImageRowsBuilder(_imageSize, _slots);
        _tokens = new int[checked(_slots * _contextLength)];
        _labels = _withLabels ? new int[_slots] : null;
        _keys = new string[_slots];
        _ids = new long[_slots];
    }
}
