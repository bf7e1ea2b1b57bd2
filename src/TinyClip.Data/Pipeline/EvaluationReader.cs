using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TinyClip.Data.Imaging;
using TinyClip.Data.Ordering;
using TinyClip.Data.Quarantine;
using TinyClip.Data.Settings;
using TinyClip.Data.Text;

namespace TinyClip.Data.Pipeline;

/// <summary>
/// Every usable sample of a held-out set exactly once, in the order of its <see cref="IEvaluationRows"/>, with the eval
/// transform; the last batch may be short. Evaluation needs all samples and no shuffle, unlike training:
/// each batch is a whole batch of one lane, numbered from 0. A set without captions gives batches without tokens
/// (<see cref="TrainingBatch.ContextLength"/> 0).
/// </summary>
public sealed class EvaluationReader
{
    private readonly IEvaluationRows _rows;
    private readonly DataSettings _settings;
    private readonly SampleProcessor _processor;
    private readonly int _batchBytes;
    // A whole batch's pixels are one large-object-heap array (4.8 MB at 32 x 224 px): a fresh one per batch let the GC
    // grow its heap with the set's size. Arrays come back through Recycle; the pool never holds more than were in
    // flight at once, so it keeps every array returned.
    private readonly PixelBuffers _batchPixels;

    public EvaluationReader(IEvaluationRows rows, DataSettings settings, ICaptionTokenizer tokenizer, QuarantineLog quarantine)
    {
        settings.Validate();
        _rows = rows;
        _settings = settings;
        // Samples are decoded a batch at a time and wait for at most one batch before they are copied.
        _processor = new SampleProcessor(settings.Decode, settings.Order.Seed, TransformMode.Eval, tokenizer, quarantine, Counters,
            2 * settings.Order.BatchSize);
        _batchBytes = checked(settings.Order.BatchSize * 3 * settings.Decode.ImageSize * settings.Decode.ImageSize);
        _batchPixels = new PixelBuffers(_batchBytes, retained: int.MaxValue);
    }

    /// <summary>
    /// Takes back the pixel arrays of a batch this reader made, once the consumer no longer needs the batch's images
    /// (they are reused for later batches). Blocks it did not allocate whole, such as a slice's, are left alone.
    /// </summary>
    public void Recycle(TrainingBatch batch)
    {
        foreach (var block in batch.Images.Blocks)
            if (MemoryMarshal.TryGetArray(block, out var segment) && segment.Offset == 0 && segment.Count == _batchBytes && segment.Array!.Length == _batchBytes)
                _batchPixels.Return(segment.Array);
    }

    public PipelineCounters Counters { get; } = new();

    public async IAsyncEnumerable<TrainingBatch> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var pending = new List<ProcessedSample>();
        long index = 0;
        var parallelism = _settings.Stream.DecodeParallelism;
        await foreach (var rows in _rows.ReadBlocksAsync(_settings.Order.BatchSize, cancellationToken))
        {
            var candidates = rows.Select(row => new SampleCandidate(0, row.SampleId, row));
            // A batch's worth at a time: smaller chunks leave the decode threads waiting on each other at every chunk's end.
            foreach (var chunk in candidates.Chunk(_settings.Order.BatchSize))
            {
                var processed = chunk.AsParallel().AsOrdered().WithDegreeOfParallelism(parallelism).Select(_processor.Process);
                pending.AddRange(processed.Where(p => p.IsUsable));
                while (pending.Count >= _settings.Order.BatchSize)
                {
                    var batch = Build(index++, pending[.._settings.Order.BatchSize]);
                    pending.RemoveRange(0, _settings.Order.BatchSize);
                    yield return batch;
                }
            }
        }
        if (pending.Count > 0) yield return Build(index, pending);
    }

    private TrainingBatch Build(long index, IReadOnlyList<ProcessedSample> samples)
    {
        var images = new ImageRowsBuilder(_settings.Decode.ImageSize, samples.Count, length => length == _batchBytes ? _batchPixels.Rent() : new byte[length]);
        for (var row = 0; row < samples.Count; row++)
        {
            samples[row].MovePixelsTo(images.Row(row));
            Counters.SampleCopiedIntoBatch();
        }
        Counters.BatchAssembled();
        return new TrainingBatch(
            index,
            new LaneLayout(1, samples.Count),
            RowRange.All(samples.Count),
            images.Build(),
            samples.SelectMany(s => s.Tokens!).ToArray(),
            _rows.HasLabels ? samples.Select(s => s.Candidate.Raw.Label ?? -1).ToArray() : null,
            samples.Select(s => s.Candidate.Raw.Key).ToArray(),
            samples.Select(s => s.Candidate.Raw.SampleId).ToArray(),
            _rows.HasCaptions ? _settings.Decode.ContextLength : 0,
            []);
    }
}
