namespace TinyClip.Benchmarks.Harness;

public static class RepositoryRoot
{
    /// <summary>The folder holding TinyClip.Actors.sln, searched upwards from the program and the working directory.</summary>
    public static string Find()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
                if (File.Exists(System.IO.Path.Combine(directory.FullName, "TinyClip.Actors.sln"))) return directory.FullName;
        }
        throw new InvalidOperationException("repository root (TinyClip.Actors.sln) not found above the program or the working directory");
    }
}
