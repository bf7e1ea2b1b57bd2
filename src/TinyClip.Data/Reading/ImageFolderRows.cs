using System.Runtime.CompilerServices;
using TinyClip.Data.Pipeline;
using TinyClip.Data.Quarantine;

namespace TinyClip.Data.Reading;

/// <summary>
/// A folder of labelled images in class subfolders, as torchvision's <c>ImageFolder</c> reads it (ImageNet-val is often
/// kept so): <c>root/&lt;class&gt;/**/&lt;image&gt;</c>, where an image's label is the position of its class folder's
/// name among all subfolder names of the root in ordinal order (hidden ones included, as torchvision counts them).
/// A class folder is searched recursively; its files come directory by directory (directories in path order), each
/// directory's files by name. A file whose extension is not one of torchvision's image extensions (any case) is not a
/// sample: it is counted in <see cref="NotImages"/> and left alone, as are files directly in the root. An image file
/// that cannot be read or decoded is skipped and quarantined, as a Parquet row is. There are no captions: the set is
/// for zero-shot classification only. Only the file list is held; bytes are read a block of files at a time.
/// </summary>
public sealed class ImageFolderRows : IEvaluationRows
{
    /// <summary>torchvision's <c>IMG_EXTENSIONS</c>; the decoder reads JPEG, PNG and WebP, so the others are quarantined as undecodable.</summary>
    public static readonly IReadOnlyList<string> ImageExtensions = [".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp"];

    private readonly string _root;
    private readonly IReadOnlyList<(string Path, int Label)> _images;
    private readonly QuarantineLog _quarantine;

    private ImageFolderRows(string root, IReadOnlyList<string> classes, IReadOnlyList<(string, int)> images, int notImages, QuarantineLog quarantine)
    {
        _root = root;
        Classes = classes;
        _images = images;
        NotImages = notImages;
        _quarantine = quarantine;
    }

    /// <summary>The class folders' names, index = label.</summary>
    public IReadOnlyList<string> Classes { get; }

    /// <summary>Files in the class folders that are not images by their extension, and so not read.</summary>
    public int NotImages { get; }

    public long TotalRows => _images.Count;

    public bool HasCaptions => false;

    public bool HasLabels => true;

    /// <exception cref="DataConfigurationException">The folder is missing, has no class subfolders or no image in them.</exception>
    public static ImageFolderRows Open(string root, QuarantineLog quarantine)
    {
        var full = Path.GetFullPath(root);
        if (!Directory.Exists(full)) throw new DataConfigurationException($"the image folder '{root}' does not exist");
        var classes = Directory.GetDirectories(full).Select(d => Path.GetFileName(d)).Order(StringComparer.Ordinal).ToList();
        if (classes.Count == 0)
            throw new DataConfigurationException($"the image folder '{root}' has no class subfolders (expected {root}/<class>/<image>, one subfolder per class)");
        var images = new List<(string, int)>();
        var notImages = 0;
        var everything = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 };
        for (var label = 0; label < classes.Count; label++)
        {
            var files = Directory.EnumerateFiles(Path.Combine(full, classes[label]), "*", everything)
                .OrderBy(f => Path.GetDirectoryName(f), StringComparer.Ordinal).ThenBy(f => Path.GetFileName(f), StringComparer.Ordinal);
            foreach (var file in files)
                if (ImageExtensions.Any(e => file.EndsWith(e, StringComparison.OrdinalIgnoreCase))) images.Add((file, label));
                else notImages++;
        }
        if (images.Count == 0)
            throw new DataConfigurationException($"the image folder '{root}' has {classes.Count} class subfolders but no image file in them " +
                $"({string.Join(", ", ImageExtensions)}; {notImages} other files)");
        return new ImageFolderRows(full, classes, images, notImages, quarantine);
    }

    /// <summary>Blocks of <paramref name="blockRows"/> files, read as they are asked for; a file that cannot be read becomes a skipped row.</summary>
    public async IAsyncEnumerable<RawSample[]> ReadBlocksAsync(int blockRows, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (var start = 0; start < _images.Count; start += blockRows)
        {
            var block = new RawSample[Math.Min(blockRows, _images.Count - start)];
            for (var i = 0; i < block.Length; i++) block[i] = await ReadAsync(start + i, cancellationToken);
            yield return block;
        }
    }

    private async Task<RawSample> ReadAsync(int index, CancellationToken cancellationToken)
    {
        var (path, label) = _images[index];
        var key = Path.GetRelativePath(_root, path);
        try
        {
            var bytes = await File.ReadAllBytesAsync(path, cancellationToken);
            return new RawSample(index, path, index, key, bytes, null, label, null, QuarantineKind.Sample);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A file removed or locked since the listing: this image is skipped, the others are still evaluated.
            var reason = $"unreadable: {e.Message}";
            _quarantine.Record(new QuarantineEntry(path, key, index, reason, QuarantineKind.Sample));
            return new RawSample(index, path, index, key, null, null, label, reason, QuarantineKind.Sample);
        }
    }
}
