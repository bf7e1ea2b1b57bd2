namespace TinyClip.Data.Pipeline;

/// <summary>Fills a fixed number of image rows, allocating blocks of at most <see cref="ImageRows.MaxBlockBytes"/>.</summary>
public sealed class ImageRowsBuilder
{
    private readonly byte[][] _blocks;
    private readonly int _rowsPerBlock;
    private readonly int _rowBytes;

    /// <param name="allocate">Makes a block of the given length (a fresh array when null).</param>
    public ImageRowsBuilder(int imageSize, int rows, Func<int, byte[]>? allocate = null)
    {
        ImageSize = imageSize;
        _rowBytes = checked(3 * imageSize * imageSize);
        _rowsPerBlock = Math.Max(1, ImageRows.MaxBlockBytes / _rowBytes);
        _blocks = new byte[(rows + _rowsPerBlock - 1) / _rowsPerBlock][];
        for (var b = 0; b < _blocks.Length; b++)
        {
            var length = checked(Math.Min(_rowsPerBlock, rows - b * _rowsPerBlock) * _rowBytes);
            _blocks[b] = allocate?.Invoke(length) ?? new byte[length];
        }
    }

    public int ImageSize { get; }

    public Span<byte> Row(int row) => _blocks[row / _rowsPerBlock].AsSpan(row % _rowsPerBlock * _rowBytes, _rowBytes);

    public ImageRows Build() => new(ImageSize, _blocks.Select(b => (ReadOnlyMemory<byte>)b));
}
