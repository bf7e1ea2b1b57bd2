namespace TinyClip.Data.Manifest;

/// <summary>Turns the user's inputs (files, directories, <c>*</c>/<c>?</c> globs in the last path segment) into a sorted file list.</summary>
public static class DatasetFiles
{
    public static IReadOnlyList<string> Expand(IEnumerable<string> inputs)
    {
        var files = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var input in inputs)
        {
            var full = Path.GetFullPath(input);
            if (Directory.Exists(full))
                files.UnionWith(Directory.EnumerateFiles(full, "*.parquet", SearchOption.AllDirectories));
            else if (Path.GetFileName(full).IndexOfAny(['*', '?']) >= 0)
                files.UnionWith(ExpandGlob(full, input));
            else if (File.Exists(full))
                files.Add(full);
            else
                throw new DataConfigurationException($"dataset path '{input}' does not exist");
        }
        if (files.Count == 0) throw new DataConfigurationException($"no Parquet files under {string.Join(", ", inputs)}");
        return files.ToArray();
    }

    private static IEnumerable<string> ExpandGlob(string full, string input)
    {
        var directory = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(directory)) throw new DataConfigurationException($"directory of glob '{input}' does not exist");
        return Directory.EnumerateFiles(directory, Path.GetFileName(full));
    }
}
