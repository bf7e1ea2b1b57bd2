using System.Runtime.CompilerServices;
using TinyClip.Data.Manifest;
using TinyClip.Data.Ordering;
using TinyClip.Data.Pipeline;
using TinyClip.Data.Quarantine;
using TinyClip.Data.Settings;
using TinyClip.Data.Text;

namespace TinyClip.Actors.Evaluation;

/// <summary>
/// The held-out split, ready to be streamed: its manifest (built once) and the zero-shot prompts. Each evaluation reads
/// it again, batch by batch, with the eval transform at the evaluated model's geometry (shorter-side resize + centre
/// crop), so what is held at a time is a row group and a few batches, never the set.
/// </summary>
public sealed class EvaluationSource
{
    private readonly DatasetManifest _manifest;
    private readonly DataSettings _data;
    private readonly ICaptionTokenizer _tokenizer;
    private readonly QuarantineLog _quarantine;
    private readonly int _maxSamples;

    private EvaluationSource(DatasetManifest manifest, DataSettings data, ICaptionTokenizer tokenizer, QuarantineLog quarantine, int maxSamples,
        ZeroShotPrompts? prompts)
    {
        _manifest = manifest;
        _data = data;
        _tokenizer = tokenizer;
        _quarantine = quarantine;
        _maxSamples = maxSamples;
        Prompts = prompts;
    }

    /// <summary>Null when no classes were given: retrieval and the validation loss only.</summary>
    public ZeroShotPrompts? Prompts { get; }

    /// <summary>Every file of the split has a label column (zero-shot needs one).</summary>
    public bool HasLabels => _manifest.Files.All(f => f.Columns.LabelColumn is not null);

    /// <summary>The samples an evaluation reads at most: the split's rows, or the first max-samples (rows that fail to decode are skipped).</summary>
    public long ExpectedSamples => _maxSamples > 0 ? Math.Min(_maxSamples, _manifest.TotalRows) : _manifest.TotalRows;

    /// <param name="maxSamples">The first N usable samples only, when positive.</param>
    public static async Task<EvaluationSource> OpenAsync(IReadOnlyList<string> inputs, ZeroShotPrompts? prompts, DataSettings data,
        ICaptionTokenizer tokenizer, int maxSamples, QuarantineLog quarantine, CancellationToken cancellationToken = default)
    {
        var manifest = await DatasetManifest.BuildAsync(inputs, data.Columns, quarantine, FooterReads.FromFiles(data.Manifest), cancellationToken);
        if (manifest.TotalRows == 0) throw new InvalidDataException($"the evaluation data ({string.Join(", ", inputs)}) has no readable rows");
        return new EvaluationSource(manifest, data, tokenizer, quarantine, maxSamples, prompts);
    }

    /// <summary>
    /// Every usable sample once, in manifest order, in batches of <paramref name="batchSize"/> (the last may be short),
    /// up to max-samples; rows that fail to decode are skipped and quarantined as in training.
    /// </summary>
    public async IAsyncEnumerable<TrainingBatch> ReadAsync(int imageSize, int contextLength, int batchSize,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var settings = _data with
        {
            Decode = _data.Decode with { ImageSize = imageSize, ContextLength = contextLength },
            Order = _data.Order with { BatchSize = batchSize },
        };
        var reader = new EvaluationReader(_manifest, settings, _tokenizer, _quarantine);
        long left = _maxSamples > 0 ? _maxSamples : long.MaxValue;
        await foreach (var batch in reader.ReadAsync(cancellationToken))
        {
            yield return batch.Count <= left ? batch : batch.Slice(new RowRange(0, (int)left));
            left -= batch.Count;
            if (left <= 0) yield break;
        }
    }
}
