namespace TinyClip.Data.Pipeline;

/// <summary>
/// CHW images of consecutive rows as bytes (0-255 per channel; normalised on the trainer's device), held in blocks of
/// whole rows. A block is at most <see cref="MaxBlockBytes"/>, so a batch is limited by memory only, never by an array's
/// length, and slicing rows shares the blocks instead of copying them.
/// </summary>
public sealed class ImageRows
{
    /// <summary>Largest block: 1 GiB, well below .NET's array limit.</summary>
    public const int MaxBlockBytes = 1 << 30;

    private readonly ReadOnlyMemory<byte>[] _blocks;
    private readonly int[] _blockFirstRow;

    public ImageRows(int imageSize, IEnumerable<ReadOnlyMemory<byte>> blocks)
    {
        ImageSize = imageSize;
        RowBytes = checked(3 * imageSize * imageSize);
        _blocks = blocks.Where(b => b.Length > 0).ToArray();
        _blockFirstRow = new int[_blocks.Length];
        var rows = 0;
        for (var b = 0; b < _blocks.Length; b++)
        {
            if (_blocks[b].Length % RowBytes != 0) throw new ArgumentException($"a block of {_blocks[b].Length} bytes does not hold whole rows of {RowBytes}");
            _blockFirstRow[b] = rows;
            rows = checked(rows + _blocks[b].Length / RowBytes);
        }
        Count = rows;
    }

    public static ImageRows Empty(int imageSize) => new(imageSize, []);

    public int ImageSize { get; }

    /// <summary>Bytes of one image: 3 x S x S.</summary>
    public int RowBytes { get; }

    public int Count { get; }

    public long TotalBytes => (long)Count * RowBytes;

    /// <summary>The blocks in row order (each holds whole rows).</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> Blocks => _blocks;

    public ReadOnlySpan<byte> Row(int row)
    {
        var (block, offset) = Locate(row);
        return _blocks[block].Span.Slice(offset * RowBytes, RowBytes);
    }

    /// <summary>Rows [start, start + count), sharing this instance's memory.</summary>
    public ImageRows Slice(int start, int count)
    {
        if (start < 0 || count < 0 || start + count > Count) throw new ArgumentOutOfRangeException(nameof(count), $"rows [{start}, {start + count}) of {Count}");
        var parts = new List<ReadOnlyMemory<byte>>();
        var row = start;
        var end = start + count;
        while (row < end)
        {
            var (block, offset) = Locate(row);
            var take = Math.Min(end - row, _blocks[block].Length / RowBytes - offset);
            parts.Add(_blocks[block].Slice(offset * RowBytes, take * RowBytes));
            row += take;
        }
        return new ImageRows(ImageSize, parts);
    }

    public static ImageRows Concat(int imageSize, IEnumerable<ImageRows> parts) => new(imageSize, parts.SelectMany(p =>
        p.ImageSize == imageSize ? p.Blocks : throw new ArgumentException($"images of {p.ImageSize} px among {imageSize} px")));

    /// <summary>All rows in one array (tests and small sets; a batch larger than an array's limit cannot be).</summary>
    public byte[] ToArray()
    {
        var result = new byte[checked((int)TotalBytes)];
        var offset = 0;
        foreach (var block in _blocks)
        {
            block.Span.CopyTo(result.AsSpan(offset));
            offset += block.Length;
        }
        return result;
    }

    private (int Block, int Offset) Locate(int row)
    {
        if (row < 0 || row >= Count) throw new ArgumentOutOfRangeException(nameof(row), $"row {row} of {Count}");
        var block = Array.BinarySearch(_blockFirstRow, row);
        if (block < 0) block = ~block - 1;
        return (block, row - _blockFirstRow[block]);
    }
}
