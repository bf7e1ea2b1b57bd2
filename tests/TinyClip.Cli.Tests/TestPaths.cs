namespace TinyClip.Cli.Tests;

/// <summary>Where the repository, the shared OpenCLIP vocabulary and the built command-line programs are.</summary>
public static class TestPaths
{
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>
    /// OpenCLIP's bpe_simple_vocab_16e6.txt.gz in the <c>shared</c> folder beside the repository; git worktrees sit one
    /// level deeper than the main checkout, so the ancestors of the repository are searched in turn.
    /// </summary>
    public static string ClipVocabulary { get; } = FindClipVocabulary();

    /// <summary>The built <c>tinyclip</c> program (copied into the test output by the project reference).</summary>
    public static string TinyClipDll => Path.Combine(AppContext.BaseDirectory, "tinyclip.dll");

    /// <summary>The built <c>tinyclip-data</c> program.</summary>
    public static string TinyClipDataDll => Path.Combine(AppContext.BaseDirectory, "tinyclip-data.dll");

    private static string FindRepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "TinyClip.Actors.sln"))) directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException($"no TinyClip.Actors.sln above {AppContext.BaseDirectory}");
    }

    private static string FindClipVocabulary()
    {
        for (var directory = new DirectoryInfo(RepositoryRoot); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "..", "shared", "data", "clip", "bpe_simple_vocab_16e6.txt.gz");
            if (File.Exists(candidate)) return Path.GetFullPath(candidate);
        }
        throw new FileNotFoundException($"bpe_simple_vocab_16e6.txt.gz not found in a shared/data/clip folder beside {RepositoryRoot} or its ancestors");
    }
}
