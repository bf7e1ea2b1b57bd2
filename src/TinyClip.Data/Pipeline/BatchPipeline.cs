using TinyClip.Data.Manifest;
using TinyClip.Data.Ordering;
using TinyClip.Data.Quarantine;
using TinyClip.Data.Reading;
using TinyClip.Data.Settings;
using TinyClip.Data.Text;

namespace TinyClip.Data.Pipeline;

/// <summary>
/// The stages that turn a manifest into a node's rows of each global batch: which windows a lane reads from its
/// position, reading a window, processing a sample, cutting a lane's samples into chunks, assembling a node's rows from
/// its lanes' chunks. <see cref="SampleSource"/> composes them as a pull loop, the Akka feed as a stream graph; both
/// give the same batches because every stage is a pure function of its input and the order is fixed before decoding.
/// </summary>
public sealed class BatchPipeline
{
    public BatchPipeline(DatasetManifest manifest, DataSettings settings, ICaptionTokenizer tokenizer, QuarantineLog quarantine,
        TransformMode mode = TransformMode.Train, PipelineCounters? counters = null, IShardFiles? shards = null)
    {
        Shards = shards ?? LocalShardFiles.Instance;
        settings.Validate();
        Manifest = manifest;
        Settings = settings;
        Quarantine = quarantine;
        Counters = counters ?? new PipelineCounters();
        if (manifest.TotalRows < settings.Order.BatchSize)
            throw new DataConfigurationException($"the dataset has {manifest.TotalRows} rows, fewer than one batch of {settings.Order.BatchSize}");
        Layout = LaneLayout.For(settings.Order.Lanes, manifest.RowGroups.Count, settings.Order.BatchSize);
        Order = new SampleOrder(manifest, settings.Order.Seed, settings.Order.WindowRowGroups, Layout.Lanes);
        // Each lane decodes up to decode-parallelism samples ahead of the one it copies into its chunk.
        Processor = new SampleProcessor(settings.Decode, settings.Order.Seed, mode, tokenizer, quarantine, Counters, Layout.Lanes * settings.Stream.DecodeParallelism);
    }

    public DatasetManifest Manifest { get; }
    public DataSettings Settings { get; }
    public QuarantineLog Quarantine { get; }
    public LaneLayout Layout { get; }
    public SampleOrder Order { get; }
    public SampleProcessor Processor { get; }
    public PipelineCounters Counters { get; }

    /// <summary>Where the files' bytes are read from: the files themselves, or a cache of remote shards.</summary>
    public IShardFiles Shards { get; }

    /// <summary>Labels are delivered only when every file has a label column.</summary>
    public bool WithLabels => Manifest.Files.All(f => f.Columns.LabelColumn is not null);

    /// <summary>The cursor of a stage's first batch.</summary>
    public Cursor Start => Cursor.Start(Layout.Lanes);

    /// <summary>A lane's windows from its position on, through this epoch and every later one (endless; the consumer stops).</summary>
    public IEnumerable<WindowStart> WindowsFrom(int lane, LanePosition from)
    {
        var position = from.Position;
        for (var epoch = from.Epoch; ; epoch++, position = 0)
            foreach (var window in Order.Windows(lane, epoch))
                if (window.EndPosition > position)
                    yield return new WindowStart(window, Math.Max(position, window.StartPosition));
    }

    /// <summary>Reads the window's row groups (one at a time, so a window costs K row groups of encoded bytes).</summary>
    public async Task<LoadedWindow> LoadAsync(WindowStart start, CancellationToken cancellationToken = default)
    {
        var rows = new List<RawSample>(start.Window.SampleCount);
        Shards.ReadAhead(FilesFrom(start.Window));
        foreach (var group in start.Window.RowGroups)
            rows.AddRange(await RowGroupReader.ReadAsync(Manifest, group, Quarantine, ReadRetryPolicy.From(Settings.Stream), Counters.AddBytesRead, Shards, cancellationToken));
        Counters.RowGroupsLoaded(start.Window.RowGroups.Count);
        return new LoadedWindow(start.Window, rows.ToArray(), start.FromPosition, Counters);
    }

    /// <summary>The files of the lane's row groups from <paramref name="window"/> on, in reading order (lazily: a read-ahead takes a few).</summary>
    private IEnumerable<ManifestFile> FilesFrom(OrderWindow window)
    {
        foreach (var group in window.RowGroups) yield return Manifest.Files[group.FileIndex];
        for (var epoch = window.Epoch; epoch <= window.Epoch + 1; epoch++)
            foreach (var next in Order.Windows(window.Lane, epoch).Where(w => epoch > window.Epoch || w.Index > window.Index))
                foreach (var group in next.RowGroups)
                    yield return Manifest.Files[group.FileIndex];
    }

    public LaneChunker NewChunker(int lane, LanePosition from) =>
        new(lane, from, Layout.Slots(lane).Count, Settings.Decode.ImageSize, Settings.Decode.ContextLength, WithLabels, Counters,
            position => Order.After(lane, position));

    /// <summary>The assembler of <paramref name="rows"/> of every global batch from <paramref name="from"/> on.</summary>
    public NodeBatchAssembler NewAssembler(Cursor from, RowRange rows)
    {
        CheckCursor(from);
        return new NodeBatchAssembler(Layout, rows, from.GlobalBatch, Settings.Decode.ImageSize, Settings.Decode.ContextLength, WithLabels, Counters);
    }

    private void CheckCursor(Cursor cursor)
    {
        if (cursor.Lanes.Count != Layout.Lanes)
            throw new DataConfigurationException($"the cursor has {cursor.Lanes.Count} lanes, this data and batch size have {Layout.Lanes} " +
                                                 "(order.lanes, the batch size or the data changed since it was written)");
    }
}
