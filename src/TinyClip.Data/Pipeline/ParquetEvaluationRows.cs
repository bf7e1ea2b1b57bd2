using System.Runtime.CompilerServices;
using TinyClip.Data.Manifest;
using TinyClip.Data.Quarantine;
using TinyClip.Data.Reading;

namespace TinyClip.Data.Pipeline;

/// <summary>A Parquet split's rows, a row group a block (rows of a damaged row group come with their skip reason).</summary>
public sealed class ParquetEvaluationRows : IEvaluationRows
{
    private readonly DatasetManifest _manifest;
    private readonly QuarantineLog _quarantine;
    private readonly ReadRetryPolicy _retry;
    private readonly IShardFiles? _shards;

    /// <exception cref="DataConfigurationException">Some files have a caption column and others not: such a set is neither pairs nor labelled images.</exception>
    /// <param name="shards">Where the files' bytes are (default: the files themselves).</param>
    public ParquetEvaluationRows(DatasetManifest manifest, QuarantineLog quarantine, ReadRetryPolicy retry, IShardFiles? shards = null)
    {
        _shards = shards;
        _manifest = manifest;
        _quarantine = quarantine;
        _retry = retry;
        var withCaptions = manifest.Files.Count(f => f.Columns.CaptionColumn is not null);
        if (withCaptions > 0 && withCaptions < manifest.Files.Count)
            throw new DataConfigurationException($"{withCaptions} of the {manifest.Files.Count} evaluation files have a caption column and the others do not " +
                $"(e.g. {manifest.Files.First(f => f.Columns.CaptionColumn is null).Path}): evaluate image-text pairs and labelled images separately");
        HasCaptions = withCaptions > 0;
    }

    public long TotalRows => _manifest.TotalRows;

    public bool HasCaptions { get; }

    public bool HasLabels => _manifest.Files.All(f => f.Columns.LabelColumn is not null);

    public async IAsyncEnumerable<RawSample[]> ReadBlocksAsync(int blockRows, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var group in _manifest.RowGroups)
            yield return await RowGroupReader.ReadAsync(_manifest, group, _quarantine, _retry, shards: _shards, cancellationToken: cancellationToken);
    }
}
