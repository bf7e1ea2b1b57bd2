using TinyClip.Data.Imaging;
using TinyClip.Data.Manifest;
using TinyClip.Data.Quarantine;
using TinyClip.Data.Reading;
using TinyClip.Data.Settings;

namespace TinyClip.Data.Inspection;

/// <summary>
/// Reads a whole dataset once, a row group at a time, and reports what the pipeline would see:
/// layout, rows, rows it could use (decodable image, non-empty caption), labels, image sizes and
/// everything quarantined (files, row groups, samples; not-downloaded rows are only counted in rows). A row group
/// that fails with I/O errors (after the retries of <c>stream.read-retries</c>) fails the inspection.
/// </summary>
public static class DatasetInspector
{
    /// <param name="data">The decode limits, manifest reads and read retries (the columns are <paramref name="columns"/>).</param>
    public static async Task<InspectReport> InspectAsync(IEnumerable<string> inputs, ColumnNames columns, DataSettings data, CancellationToken cancellationToken = default)
    {
        var quarantined = new List<QuarantineEntry>();
        var quarantine = new QuarantineLog(quarantined);
        DatasetManifest manifest;
        try
        {
            manifest = await DatasetManifest.BuildAsync(inputs, columns, quarantine, FooterReads.FromFiles(data.Manifest), cancellationToken);
        }
        catch (DataConfigurationException) when (quarantine.Count(QuarantineKind.File) > 0)
        {
            // Every file was quarantined: that is the finding to report, not an error of the command.
            return new InspectReport([], "none", 0, 0, 0, new Dictionary<int, long>(), null, Sorted(quarantined));
        }
        var decoder = new ImageDecoder(data.Decode);
        var retry = ReadRetryPolicy.From(data.Stream);
        var labels = new SortedDictionary<int, long>();
        var widths = new List<int>();
        var heights = new List<int>();
        foreach (var group in manifest.RowGroups)
            foreach (var sample in await RowGroupReader.ReadAsync(manifest, group, quarantine, retry, cancellationToken: cancellationToken))
            {
                if (sample.SkipReason is not null) continue;
                try
                {
                    using var image = decoder.Decode(sample.Image!);
                    widths.Add(image.Width);
                    heights.Add(image.Height);
                }
                catch (Exception e)
                {
                    quarantine.Record(new QuarantineEntry(sample.File, sample.Key, sample.Row, $"{e.GetType().Name}: {e.Message}", QuarantineKind.Sample));
                    continue;
                }
                if (sample.Label is { } label) labels[label] = labels.GetValueOrDefault(label) + 1;
            }
        var sizes = widths.Count == 0 ? null
            : new ImageSizeStats(widths.Min(), widths.Max(), heights.Min(), heights.Max(), widths.Average(), heights.Average());
        var layouts = manifest.Files.Select(f => f.Columns.Layout.ToString()).Distinct().Order().ToArray();
        return new InspectReport(
            manifest.Files.Select(f => f.Path).ToArray(),
            string.Join("+", layouts),
            manifest.RowGroups.Count,
            manifest.TotalRows,
            widths.Count,
            labels,
            sizes,
            Sorted(quarantined));
    }

    private static QuarantineEntry[] Sorted(IEnumerable<QuarantineEntry> quarantined) =>
        quarantined.OrderBy(e => e.File, StringComparer.Ordinal).ThenBy(e => e.Row).ToArray();
}
