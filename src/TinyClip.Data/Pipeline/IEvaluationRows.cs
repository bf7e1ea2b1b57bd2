using TinyClip.Data.Reading;

namespace TinyClip.Data.Pipeline;

/// <summary>
/// The stored rows of a held-out set, block by block in a fixed order, for <see cref="EvaluationReader"/>: a Parquet
/// split's row groups (<see cref="ParquetEvaluationRows"/>) or an image folder's files (<see cref="ImageFolderRows"/>).
/// A block is held until it is decoded, so a block is small (a row group, a batch of files), never the set.
/// </summary>
public interface IEvaluationRows
{
    /// <summary>Rows stored, usable or not.</summary>
    long TotalRows { get; }

    /// <summary>Every row has a caption (image-text pairs: retrieval); false for labelled images without captions.</summary>
    bool HasCaptions { get; }

    /// <summary>Every row has a class label (zero-shot classification).</summary>
    bool HasLabels { get; }

    /// <param name="blockRows">About how many rows a block should hold where the source is free to choose (files of a folder).</param>
    IAsyncEnumerable<RawSample[]> ReadBlocksAsync(int blockRows, CancellationToken cancellationToken);
}
