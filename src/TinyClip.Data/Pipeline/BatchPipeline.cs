using TinyClip.Data.Manifest;
using TinyClip.Data.Ordering;
using TinyClip.Data.Quarantine;
using TinyClip.Data.Reading;
using TinyClip.Data.Settings;
using TinyClip.Data.Text;

namespace TinyClip.Data.Pipeline;

/// <summary>
/// The stages that turn a manifest into batches: which windows to read from a cursor, reading a
/// window, processing a sample, assembling batches. <see cref="SampleSource"/> composes them as a pull
/// loop, the Akka feed as a stream graph; both give the same batches because every stage is a pure
/// function of its input and the order is fixed before decoding starts.
/// </summary>
public sealed class BatchPipeline
{
    public BatchPipeline(DatasetManifest manifest, DataSettings settings, ICaptionTokenizer tokenizer, QuarantineLog quarantine, TransformMode mode = TransformMode.Train)
    {
        settings.Validate();
        Manifest = manifest;
        Settings = settings;
        Quarantine = quarantine;
        Order = new SampleOrder(manifest, settings.Order.Seed, settings.Order.WindowRowGroups);
        if (Order.SamplesPerEpoch < settings.Order.BatchSize)
            throw new DataConfigurationException($"the dataset has {Order.SamplesPerEpoch} rows, fewer than one batch of {settings.Order.BatchSize}");
        Processor = new SampleProcessor(settings.Decode, settings.Order.Seed, mode, tokenizer, quarantine, Counters);
    }

    public DatasetManifest Manifest { get; }
    public DataSettings Settings { get; }
    public QuarantineLog Quarantine { get; }
    public SampleOrder Order { get; }
    public SampleProcessor Processor { get; }
    public PipelineCounters Counters { get; } = new();

    /// <summary>Labels are delivered only when every file has a label column.</summary>
    public bool WithLabels => Manifest.Files.All(f => f.Columns.LabelColumn is not null);

    /// <summary>Windows from the cursor on, through this epoch and every later one (endless; the consumer stops).</summary>
    public IEnumerable<WindowStart> WindowsFrom(Cursor cursor)
    {
        var position = cursor.Position;
        for (var epoch = cursor.Epoch; ; epoch++, position = 0)
            foreach (var window in Order.Windows(epoch))
                if (window.EndPosition > position)
                    yield return new WindowStart(window, Math.Max(position, window.StartPosition));
    }

    /// <summary>Reads the window's row groups (one at a time, so a window costs K row groups of encoded bytes).</summary>
    public async Task<LoadedWindow> LoadAsync(WindowStart start, CancellationToken cancellationToken = default)
    {
        var rows = new List<RawSample>(start.Window.SampleCount);
        foreach (var group in start.Window.RowGroups)
            rows.AddRange(await RowGroupReader.ReadAsync(Manifest, group, Quarantine, ReadRetryPolicy.From(Settings.Stream), cancellationToken));
        Counters.RowGroupsLoaded(start.Window.RowGroups.Count);
        return new LoadedWindow(start.Window, rows.ToArray(), start.FromPosition, Counters);
    }

    public BatchAssembler NewAssembler(Cursor start) =>
        new(start, Settings.Order.BatchSize, Settings.Decode.ImageSize, Settings.Decode.ContextLength, WithLabels, Counters);
}
