using System.IO.Compression;
using System.Text;

namespace TinyClip.Data.Text;

/// <summary>
/// Reads and writes BPE merges files: a version header line, then one "left right" merge per line in rank order.
/// OpenCLIP's bpe_simple_vocab_16e6.txt.gz and Hugging Face's merges.txt share this format; gzip is detected from
/// the content when reading and chosen by a ".gz" name when writing.
/// </summary>
public static class MergesFile
{
    /// <summary>
    /// CLIP reads at most this many merges (OpenCLIP and Hugging Face slice lines [1 : 49152-256-2+1]), which gives
    /// its 49408-token vocabulary; the OpenCLIP file holds far more lines than are used.
    /// </summary>
    public const int MaxMergeCount = 49152 - 256 - 2;

    /// <summary>The header this project writes; readers only check that the first line has "#version".</summary>
    public const string VersionHeader = "#version: 0.2";

    /// <summary>Reads up to <see cref="MaxMergeCount"/> merges from <paramref name="path"/>.</summary>
    public static IReadOnlyList<(string Left, string Right)> Read(string path)
    {
        try
        {
            using var reader = new StreamReader(OpenMaybeGzip(path), Encoding.UTF8);
            return ReadMerges(reader);
        }
        catch (InvalidDataException error)
        {
            // Format errors and broken gzip streams both say what is wrong; this adds which file.
            throw new InvalidDataException($"{path}: {error.Message}", error);
        }
    }

    /// <summary>Writes <paramref name="merges"/> with the version header; gzip-compressed when the path ends with ".gz".</summary>
    public static void Write(string path, IEnumerable<(string Left, string Right)> merges)
    {
        // Checked before the file is created so that a bad merge leaves no half-written file behind.
        var lines = merges.Select(FormatMerge).ToList();
        using var file = File.Create(path);
        using var stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
            ? new GZipStream(file, CompressionLevel.Optimal)
            : (Stream)file;
        using var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { NewLine = "\n" };
        writer.WriteLine(VersionHeader);
        foreach (var line in lines)
        {
            writer.WriteLine(line);
        }
    }

    private static IReadOnlyList<(string Left, string Right)> ReadMerges(TextReader reader)
    {
        var header = reader.ReadLine();
        if (header is null)
        {
            throw new InvalidDataException("the merges file is empty.");
        }
        if (!header.Contains("#version", StringComparison.Ordinal))
        {
            throw new InvalidDataException(
                $"line 1 must be a '#version' header (the first line is skipped as such), found '{header}'.");
        }

        var merges = new List<(string Left, string Right)>();
        int? firstBlankLine = null;
        var lineNumber = 1;
        while (merges.Count < MaxMergeCount && reader.ReadLine() is { } line)
        {
            lineNumber++;
            var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0)
            {
                // Trailing blank lines end the file; a blank line between merges would shift every later rank.
                firstBlankLine ??= lineNumber;
                continue;
            }
            if (firstBlankLine is { } blank)
            {
                throw new InvalidDataException($"line {blank} is blank but merges follow it.");
            }
            if (parts.Length != 2)
            {
                throw new InvalidDataException($"line {lineNumber} must be a merge 'left right', found '{line}'.");
            }
            merges.Add((parts[0], parts[1]));
        }
        return merges;
    }

    private static Stream OpenMaybeGzip(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The merges file '{path}' does not exist.", path);
        }
        var file = File.OpenRead(path);
        var magic = new byte[2];
        var isGzip = file.Read(magic, 0, 2) == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
        file.Position = 0;
        return isGzip ? new GZipStream(file, CompressionMode.Decompress) : file;
    }

    private static string FormatMerge((string Left, string Right) merge)
    {
        if (!IsSymbol(merge.Left) || !IsSymbol(merge.Right))
        {
            throw new ArgumentException($"Merge '{merge.Left}' + '{merge.Right}' has an empty symbol or one with white space.");
        }
        return $"{merge.Left} {merge.Right}";
    }

    private static bool IsSymbol(string symbol) => symbol.Length > 0 && !symbol.Any(char.IsWhiteSpace);
}
