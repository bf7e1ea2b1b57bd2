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
/// it does not change when the dataset directory is moved.
/// </summary>
public sealed record DatasetManifest(IReadOnlyList<ManifestFile> Files, string ContentHash)
{
    /// <summary>All row groups with at least one row, in file order.</summary>
    public IReadOnlyList<ManifestRowGroup> RowGroups { get; } = ListRowGroups(Files);

    public long TotalRows => RowGroups.Sum(g => g.RowCount);

    /// <summary>
    /// Reads the footer of every file under <paramref name="inputs"/>. Files that cannot be opened or whose
    /// schema has no usable layout are recorded in <paramref name="quarantine"/> and left out; if none is
    /// left a <see cref="DataConfigurationException"/> says why.
    /// </summary>
    public static async Task<DatasetManifest> BuildAsync(IEnumerable<string> inputs, ColumnNames columns, QuarantineLog quarantine, CancellationToken cancellationToken = default)
    {
        var paths = DatasetFiles.Expand(inputs);
        var files = new List<ManifestFile>();
        var reasons = new List<string>();
        foreach (var path in paths)
        {
            try
            {
                files.Add(await ReadFooterAsync(path, columns, cancellationToken));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                var reason = e is LayoutException ? e.Message : $"unreadable Parquet file: {e.Message}";
                quarantine.Record(new QuarantineEntry(path, null, null, reason, QuarantineKind.File));
                reasons.Add($"{Path.GetFileName(path)}: {reason}");
            }
        }
        if (files.Count == 0 || files.All(f => f.RowGroupRows.Sum() == 0))
            throw new DataConfigurationException($"no usable Parquet file among {paths.Count}: {string.Join("; ", reasons.DefaultIfEmpty("all files are empty"))}");
        return new DatasetManifest(files, Hash(files));
    }

    public string ToJson() => JsonSerializer.Serialize(this);

    public static DatasetManifest FromJson(string json) =>
        JsonSerializer.Deserialize<DatasetManifest>(json) ?? throw new DataConfigurationException("empty manifest JSON");

    private static async Task<ManifestFile> ReadFooterAsync(string path, ColumnNames columns, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        await using var reader = await ParquetFooterCheck.OpenAsync(stream, cancellationToken);
        var mapping = LayoutDetector.Detect(reader.Schema, columns);
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

    private static string Hash(IReadOnlyList<ManifestFile> files)
    {
        var text = new StringBuilder();
        foreach (var file in files)
            text.Append(Path.GetFileName(file.Path)).Append('|').Append(file.Length).Append('|')
                .Append(string.Join(',', file.RowGroupRows)).Append('|')
                .Append(JsonSerializer.Serialize(file.Columns)).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
