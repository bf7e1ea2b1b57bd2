using System.Runtime.CompilerServices;
using TinyClip.Data;
using TinyClip.Data.Layouts;
using TinyClip.Data.Manifest;
using TinyClip.Data.Ordering;
using TinyClip.Data.Pipeline;
using TinyClip.Data.Quarantine;
using TinyClip.Data.Reading;
using TinyClip.Data.Settings;
using TinyClip.Data.Text;

namespace TinyClip.Actors.Evaluation;

/// <summary>
/// The held-out set, ready to be streamed: its rows (a Parquet split's manifest, built once, or an image folder's file
/// list) and the zero-shot prompts. Each evaluation reads it again, batch by batch, with the eval transform at the
/// evaluated model's geometry (shorter-side resize + centre crop), so what is held at a time is a block of rows and a
/// few batches, never the set.
/// </summary>
public sealed class EvaluationSource
{
    private readonly IEvaluationRows _rows;
    private readonly DataSettings _data;
    private readonly ICaptionTokenizer _tokenizer;
    private readonly QuarantineLog _quarantine;
    private readonly int _maxSamples;
    private EvaluationReader? _reader;

    private EvaluationSource(IEvaluationRows rows, DataSettings data, ICaptionTokenizer tokenizer, QuarantineLog quarantine, int maxSamples,
        ZeroShotPrompts? prompts)
    {
        _rows = rows;
        _data = data;
        _tokenizer = tokenizer;
        _quarantine = quarantine;
        _maxSamples = maxSamples;
        Prompts = prompts;
    }

    /// <summary>Null when no classes were given: retrieval and the validation loss only.</summary>
    public ZeroShotPrompts? Prompts { get; }

    /// <summary>Every row has a label (zero-shot needs one).</summary>
    public bool HasLabels => _rows.HasLabels;

    /// <summary>Image-text pairs (retrieval, validation loss); false for labelled images without captions.</summary>
    public bool HasCaptions => _rows.HasCaptions;

    /// <summary>The samples an evaluation reads at most: the set's rows, or the first max-samples (rows that fail to decode are skipped).</summary>
    public long ExpectedSamples => _maxSamples > 0 ? Math.Min(_maxSamples, _rows.TotalRows) : _rows.TotalRows;

    /// <summary>A Parquet split: image-text pairs (with or without labels), or labelled images without captions.</summary>
    /// <param name="maxSamples">The first N usable samples only, when positive.</param>
    public static async Task<EvaluationSource> OpenAsync(IReadOnlyList<string> inputs, ZeroShotPrompts? prompts, DataSettings data,
        ICaptionTokenizer tokenizer, int maxSamples, QuarantineLog quarantine, RemoteEvaluationData? remote = null, CancellationToken cancellationToken = default)
    {
        var (manifest, shards) = remote is not null ? await remote.OpenAsync(inputs, data, quarantine, cancellationToken)
            : (await DatasetManifest.BuildAsync(inputs, data.Columns, DatasetUse.Evaluation, quarantine, FooterReads.FromFiles(data.Manifest), cancellationToken),
                LocalShardFiles.Instance);
        if (manifest.TotalRows == 0) throw new InvalidDataException($"the evaluation data ({string.Join(", ", inputs)}) has no readable rows");
        return Checked(new ParquetEvaluationRows(manifest, quarantine, ReadRetryPolicy.From(data.Stream), shards), prompts, data, tokenizer, maxSamples, quarantine);
    }

    /// <summary>A folder of labelled images in class subfolders (<see cref="ImageFolderRows"/>): zero-shot only.</summary>
    /// <exception cref="DataConfigurationException">The folder has another number of class subfolders than <paramref name="prompts"/> has classes.</exception>
    public static EvaluationSource OpenImageFolder(string root, ZeroShotPrompts? prompts, DataSettings data, ICaptionTokenizer tokenizer, int maxSamples,
        QuarantineLog quarantine)
    {
        var rows = ImageFolderRows.Open(root, quarantine);
        if (prompts is not null && prompts.Classes.Count != rows.Classes.Count)
            throw new DataConfigurationException($"the image folder '{root}' has {rows.Classes.Count} class subfolders but {prompts.Classes.Count} class names " +
                "were given: an image's label is the position of its subfolder in ordinal order, so the two must be as many");
        return Checked(rows, prompts, data, tokenizer, maxSamples, quarantine);
    }

    private static EvaluationSource Checked(IEvaluationRows rows, ZeroShotPrompts? prompts, DataSettings data, ICaptionTokenizer tokenizer, int maxSamples,
        QuarantineLog quarantine)
    {
        if (!rows.HasCaptions && prompts is null)
            throw new DataConfigurationException("the evaluation data has labelled images without captions, and no class names were given: " +
                "zero-shot classification is all such a set can measure, and it needs the class names (eval.classes, --classes; e.g. imagenet-1k)");
        return new EvaluationSource(rows, data, tokenizer, quarantine, maxSamples, prompts);
    }

    /// <summary>
    /// Every usable sample once, in the rows' order, in batches of <paramref name="batchSize"/> (the last may be short),
    /// up to max-samples; rows that fail to decode are skipped and quarantined as in training.
    /// </summary>
    /// <exception cref="InvalidDataException">With class names, a label that is not one of their indices: reported at the
    /// batch that has it, not after the whole set is encoded.</exception>
    public async IAsyncEnumerable<TrainingBatch> ReadAsync(int imageSize, int contextLength, int batchSize,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var settings = _data with
        {
            Decode = _data.Decode with { ImageSize = imageSize, ContextLength = contextLength },
            Order = _data.Order with { BatchSize = batchSize },
        };
        var reader = new EvaluationReader(_rows, settings, _tokenizer, _quarantine);
        _reader = reader;
        long left = _maxSamples > 0 ? _maxSamples : long.MaxValue;
        await foreach (var batch in reader.ReadAsync(cancellationToken))
        {
            var kept = batch.Count <= left ? batch : batch.Slice(new RowRange(0, (int)left));
            CheckLabels(kept);
            yield return kept;
            left -= kept.Count;
            if (left <= 0) yield break;
        }
    }

    /// <summary>Hands a batch of the current <see cref="ReadAsync"/> back once it is encoded, so its pixel arrays serve the next batches.</summary>
    public void Recycle(TrainingBatch batch) => _reader?.Recycle(batch);

    private void CheckLabels(TrainingBatch batch)
    {
        if (Prompts is null || batch.Labels is null) return;
        var classes = Prompts.Classes.Count;
        for (var row = 0; row < batch.Count; row++)
        {
            var label = batch.Labels[row];
            if (label >= 0 && label < classes) continue;
            throw new InvalidDataException(label < 0
                ? $"sample '{batch.Keys[row]}' has no label: zero-shot needs one on every sample"
                : $"sample '{batch.Keys[row]}' has label {label}, but there are {classes} class names (labels 0-{classes - 1}): the class names do not fit the data's labels");
        }
    }
}
