using TinyClip.Data.Reading.Guard;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Parquet;
using TinyClip.Data.Layouts;
using TinyClip.Data.Quarantine;
using TinyClip.Data.Reading;
using TinyClip.Data.Settings;

namespace TinyClip.Data.Manifest;

/// <summary>
/// The dataset as the order sees it: usable files, their row groups and row counts, built from Parquet
/// footers alone (no data page is read). <see cref="ContentHash"/> covers file names, sizes, row-group
/// row counts and column mappings, so a cursor can be checked against the data it was made for;
/// it does not change when the dataset directory is moved. <see cref="LeftOut"/> lists the files found under the
/// inputs that are not usable, with the reason, so that a process that loads a stored manifest knows them too.
/// </summary>
public sealed record DatasetManifest(IReadOnlyList<ManifestFile> Files, string ContentHash, IReadOnlyList<LeftOutFile> LeftOut)
{
    /// <summary>All row groups with at least one row, in file order.</summary>
    public IReadOnlyList<ManifestRowGroup> RowGroups { get; } = ListRowGroups(Files);

    public long TotalRows => RowGroups.Sum(g => g.RowCount);

    /// <summary>
    /// Reads the footer of every file under <paramref name="inputs"/>, <see cref="FooterReads.ParallelReads"/> at a
    /// time; the manifest lists the files in sorted path order however the reads interleave, so it and its hash are
    /// those of a sequential build. A file whose contents are damaged or have no usable layout is recorded in
    /// <paramref name="quarantine"/> and left out: every process reads the same bytes and leaves out the same files.
    /// A file that cannot be read at all (an I/O error, no permission, a timeout) fails the build with a
    /// <see cref="DataConfigurationException"/> naming it, and nothing is quarantined: another process may read it, and
    /// the processes of a run would then train on different manifests. If no usable file is left a
    /// <see cref="DataConfigurationException"/> says why.
    /// </summary>
    public static Task<DatasetManifest> BuildAsync(IEnumerable<string> inputs, ColumnNames columns, QuarantineLog quarantine, FooterReads reads,
        CancellationToken cancellationToken = default) =>
        BuildAsync(inputs, columns, DatasetUse.Training, quarantine, reads, cancellationToken);

    /// <param name="use">Which columns a file needs (<see cref="LayoutDetector"/>); a file without them is left out.</param>
    public static Task<DatasetManifest> BuildAsync(IEnumerable<string> inputs, ColumnNames columns, DatasetUse use, QuarantineLog quarantine, FooterReads reads,
        CancellationToken cancellationToken = default)
        => BuildFromFilesAsync(DatasetFiles.Expand(inputs), columns, use, quarantine, reads, cancellationToken);

    /// <summary>The manifest of <paramref name="paths"/> as they are (sorted, no expansion): local files, or remote ones with a <see cref="FooterReads"/> of their own.</summary>
    public static async Task<DatasetManifest> BuildFromFilesAsync(IReadOnlyList<string> paths, ColumnNames columns, DatasetUse use, QuarantineLog quarantine,
        FooterReads reads, CancellationToken cancellationToken = default)
    {
        var footers = new (ManifestFile? File, LeftOutFile? LeftOut)[paths.Count];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = reads.ParallelReads, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(0, paths.Count), parallel,
            async (i, token) => footers[i] = await ReadFileAsync(paths[i], columns, use, reads.Open, token));

        var files = footers.Where(f => f.File is not null).Select(f => f.File!).ToList();
        var leftOut = footers.Where(f => f.LeftOut is not null).Select(f => f.LeftOut!).ToList();
        foreach (var file in leftOut) quarantine.Record(file.ToQuarantineEntry());
        if (files.Count == 0 || files.All(f => f.RowGroupRows.Sum() == 0))
            throw new DataConfigurationException($"no usable Parquet file among {paths.Count}: " +
                string.Join("; ", leftOut.Select(f => $"{Path.GetFileName(f.Path)}: {f.Reason}").DefaultIfEmpty("all files are empty")));
        return new DatasetManifest(files, HashOf(files), leftOut);
    }

    public string ToJson() => JsonSerializer.Serialize(this);

    public static DatasetManifest FromJson(string json) =>
        JsonSerializer.Deserialize<DatasetManifest>(json) ?? throw new DataConfigurationException("empty manifest JSON");

    /// <summary>The footer of one file, or why the file is left out; an error reading the file itself is thrown.</summary>
    private static async Task<(ManifestFile?, LeftOutFile?)> ReadFileAsync(string path, ColumnNames columns, DatasetUse use,
        Func<string, CancellationToken, Task<Stream>> open, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = await open(path, cancellationToken);
            try
            {
                return (await ReadFooterAsync(path, stream, columns, use, cancellationToken), null);
            }
            catch (Exception e) when (e is not OperationCanceledException && !IsReadFailure(e))
            {
                return (null, new LeftOutFile(path, stream.Length, e is LayoutException ? e.Message : $"unreadable Parquet file: {e.Message}"));
            }
        }
        catch (Exception e) when (IsReadFailure(e))
        {
            throw new DataConfigurationException($"cannot read '{path}' ({e.GetType().Name}: {e.Message}); the manifest is not built, " +
                "because a file left out here might be read by another process of the run. Make the file readable (or remove it from the inputs) and start again");
        }
    }

    /// <summary>
    /// The file could not be read, which says nothing about its contents. Damage shows as other exceptions
    /// (<see cref="InvalidDataException"/> from the footer check and the past-end guard, the library's own), or as
    /// <see cref="EndOfStreamException"/>: a file shorter than what it says about itself.
    /// </summary>
    private static bool IsReadFailure(Exception e) => e is UnauthorizedAccessException or TimeoutException or IOException and not EndOfStreamException;

    private static async Task<ManifestFile> ReadFooterAsync(string path, Stream stream, ColumnNames columns, DatasetUse use, CancellationToken cancellationToken)
    {
        await using var reader = await ParquetFooterCheck.OpenAsync(stream, cancellationToken);
        var mapping = LayoutDetector.Detect(reader.Schema, columns, use);
        var rows = reader.Metadata!.RowGroups.Select(g => g.NumRows).ToArray();
        // A damaged footer can still parse: row counts that cannot be right would break the order and the readers later.
        if (rows.Any(n => n < 0 || n > int.MaxValue) || rows.Sum() != reader.Metadata.NumRows)
            throw new InvalidDataException($"the footer's row counts are inconsistent (row groups: {string.Join(", ", rows)}; file: {reader.Metadata.NumRows})");
        return new ManifestFile(path, stream.Length, mapping, rows);
    }

    private static IReadOnlyList<ManifestRowGroup> ListRowGroups(IReadOnlyList<ManifestFile> files)
    {
        var groups = new List<ManifestRowGroup>();
        long next = 0;
        for (var f = 0; f < files.Count; f++)
            for (var g = 0; g < files[f].RowGroupRows.Length; g++)
            {
                var rows = files[f].RowGroupRows[g];
                if (rows == 0) continue;
                groups.Add(new ManifestRowGroup(f, g, rows, next));
                next += rows;
            }
        return groups;
    }

    /// <summary>The <see cref="ContentHash"/> of a manifest of these files (a stored manifest is checked against it).</summary>
    public static string HashOf(IReadOnlyList<ManifestFile> files)
    {
        var text = new StringBuilder();
        foreach (var file in files)
            text.Append(Path.GetFileName(file.Path)).Append('|').Append(file.Length).Append('|')
                .Append(string.Join(',', file.RowGroupRows)).Append('|')
                .Append(JsonSerializer.Serialize(file.Columns)).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
