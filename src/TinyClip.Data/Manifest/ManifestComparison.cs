namespace TinyClip.Data.Manifest;

/// <summary>
/// A stored manifest beside the files a process finds under its own inputs (<see cref="DatasetFiles.Expand"/>):
/// compared by file name and size, which a stat gives, so no footer is read. Files are matched in sorted order, the
/// order the manifest was built in, used and left-out files alike.
/// </summary>
public static class ManifestComparison
{
    /// <summary>The first file that is missing here, extra here, or of another size than in the manifest, as a phrase; null when none.</summary>
    public static string? FirstDifference(DatasetManifest manifest, IReadOnlyList<string> paths)
    {
        var built = BuiltFrom(manifest);
        var namesHere = paths.Select(Path.GetFileName).ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < Math.Max(built.Count, paths.Count); i++)
        {
            var builtName = i < built.Count ? Path.GetFileName(built[i].Path) : null;
            var nameHere = i < paths.Count ? Path.GetFileName(paths[i]) : null;
            if (builtName != nameHere)
                return builtName is not null && (nameHere is null || !namesHere.Contains(builtName))
                    ? $"'{builtName}' is in the manifest but not among this process's files"
                    : $"'{paths[i]}' is not in the manifest";
            var length = new FileInfo(paths[i]).Length;
            if (length != built[i].Length)
                return $"'{paths[i]}' has {length} bytes, {built[i].Length} in the manifest";
        }
        return null;
    }

    /// <summary>The manifest with this process's paths for its files (the data may be mounted elsewhere here); <paramref name="paths"/> must match it.</summary>
    public static DatasetManifest WithPathsOf(DatasetManifest manifest, IReadOnlyList<string> paths)
    {
        var pathHere = BuiltFrom(manifest).Select((file, i) => (file.Path, Here: paths[i])).ToDictionary(p => p.Path, p => p.Here, StringComparer.Ordinal);
        return new DatasetManifest(
            manifest.Files.Select(f => f with { Path = pathHere[f.Path] }).ToList(),
            manifest.ContentHash,
            manifest.LeftOut.Select(f => f with { Path = pathHere[f.Path] }).ToList());
    }

    /// <summary>Every file the manifest was built from, used or left out, in the build's (sorted) order.</summary>
    private static IReadOnlyList<(string Path, long Length)> BuiltFrom(DatasetManifest manifest) =>
        manifest.Files.Select(f => (f.Path, f.Length))
            .Concat(manifest.LeftOut.Select(f => (f.Path, f.Length)))
            .OrderBy(f => f.Path, StringComparer.Ordinal)
            .ToList();
}
