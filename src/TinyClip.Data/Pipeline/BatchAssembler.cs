using TinyClip.Data.Ordering;

namespace TinyClip.Data.Pipeline;

/// <summary>
/// Turns processed samples, arriving in order, into batches of exactly N usable samples.
/// Rules: a failed sample is skipped and the batch takes the next usable sample of the order (the
/// batch size trainers see stays N and every usable sample appears once per epoch); usable samples
/// left at the end of an epoch that do not fill a batch are dropped (the next epoch reshuffles them in).
/// Each decoded sample is copied into the batch arrays at once, so the assembler holds no samples.
/// </summary>
public sealed class BatchAssembler
{
    private readonly int _batchSize;
    private readonly int _imageSize;
    private readonly int _contextLength;
    private readonly bool _withLabels;
    private readonly PipelineCounters _counters;
    private Cursor _cursor;
    private bool _epochFromStart;
    private long _batchesThisEpoch;
    private int _filled;
    private float[] _images = [];
    private int[] _tokens = [];
    private int[]? _labels;
    private string[] _keys = [];
    private long[] _ids = [];

    public BatchAssembler(Cursor start, int batchSize, int imageSize, int contextLength, bool withLabels, PipelineCounters counters)
    {
        _batchSize = batchSize;
        _imageSize = imageSize;
        _contextLength = contextLength;
        _withLabels = withLabels;
        _counters = counters;
        _cursor = start;
        _epochFromStart = start.Position == 0;
        StartBatch();
    }

    /// <summary>Adds the next sample of the order; returns the batch it completes, if any.</summary>
    /// <exception cref="InvalidDataException">A whole epoch went by without one usable batch.</exception>
    public IEnumerable<TrainingBatch> Add(ProcessedSample sample)
    {
        var candidate = sample.Candidate;
        if (candidate.Epoch != _cursor.Epoch) StartEpoch(candidate.Epoch);
        if (!sample.IsUsable) return [];

        var row = _filled++;
        var imageFloats = 3 * _imageSize * _imageSize;
        sample.Image!.CopyTo(_images, row * imageFloats);
        sample.Tokens!.CopyTo(_tokens, row * _contextLength);
        if (_labels is not null) _labels[row] = candidate.Raw.Label ?? -1;
        _keys[row] = candidate.Raw.Key;
        _ids[row] = candidate.Raw.SampleId;
        _counters.SampleCopiedIntoBatch();
        if (_filled < _batchSize) return [];

        var next = new Cursor(_cursor.Epoch, _cursor.GlobalBatch + 1, candidate.Position + 1);
        var batch = new TrainingBatch(_cursor, next, _images, _tokens, _labels, _keys, _ids, _imageSize, _contextLength);
        _cursor = next;
        _batchesThisEpoch++;
        _counters.BatchAssembled();
        StartBatch();
        return [batch];
    }

    private void StartEpoch(int epoch)
    {
        if (_epochFromStart && _batchesThisEpoch == 0)
            throw new InvalidDataException($"epoch {_cursor.Epoch} has fewer than {_batchSize} usable samples; see quarantine.jsonl");
        _counters.SamplesDropped(_filled);
        _cursor = Cursor.StartOf(epoch);
        _epochFromStart = true;
        _batchesThisEpoch = 0;
        StartBatch();
    }

    private void StartBatch()
    {
        _filled = 0;
        _images = new float[_batchSize * 3 * _imageSize * _imageSize];
        _tokens = new int[_batchSize * _contextLength];
        _labels = _withLabels ? new int[_batchSize] : null;
        _keys = new string[_batchSize];
        _ids = new long[_batchSize];
    }
}
