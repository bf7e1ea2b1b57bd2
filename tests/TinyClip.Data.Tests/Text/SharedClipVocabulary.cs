using TinyClip.Data.Text;

namespace TinyClip.Data.Tests.Text;

/// <summary>
/// OpenCLIP's bpe_simple_vocab_16e6.txt.gz from the shared folder beside the repository (../shared/data/clip),
/// loaded once because every real-vocabulary test needs it. A git worktree sits deeper than the main checkout
/// (/work/wt/name rather than /work/main), so the nearest "shared" folder above the repository root is used.
/// </summary>
internal static class SharedClipVocabulary
{
    public static readonly string MergesPath = Path.Combine(SharedFolder(), "data", "clip", "bpe_simple_vocab_16e6.txt.gz");

    private static readonly Lazy<ClipTokenizer> LoadedTokenizer = new(() => ClipTokenizer.FromFile(MergesPath));

    public static ClipTokenizer Tokenizer => LoadedTokenizer.Value;

    /// <summary>Merge lines 2..48895 of the file (line 1 is the version header), as OpenCLIP reads them.</summary>
    public static IReadOnlyList<string> MergeLines()
    {
        using var reader = new StreamReader(new System.IO.Compression.GZipStream(
            File.OpenRead(MergesPath), System.IO.Compression.CompressionMode.Decompress));
        reader.ReadLine();
        var lines = new List<string>();
        while (lines.Count < 48894 && reader.ReadLine() is { } line)
        {
            lines.Add(line);
        }
        return lines;
    }

    private static string SharedFolder()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "TinyClip.Actors.sln")))
            {
                return NearestSharedFolderAbove(directory);
            }
        }
        throw new DirectoryNotFoundException($"No folder above {AppContext.BaseDirectory} holds TinyClip.Actors.sln.");
    }

    private static string NearestSharedFolderAbove(DirectoryInfo repositoryRoot)
    {
        for (var directory = repositoryRoot.Parent; directory is not null; directory = directory.Parent)
        {
            var shared = Path.Combine(directory.FullName, "shared");
            if (Directory.Exists(shared))
            {
                return shared;
            }
        }
        throw new DirectoryNotFoundException($"No 'shared' folder beside {repositoryRoot.FullName} or above it.");
    }
}
