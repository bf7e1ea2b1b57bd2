using System.CommandLine;
using TinyClip.Configuration;
using System.Text.Json;
using TinyClip.Data.Inspection;
using TinyClip.Data.Settings;

namespace TinyClip.DataTools;

/// <summary><c>inspect</c>: what the pipeline would see in a dataset.</summary>
public static class InspectCommand
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Command Create()
    {
        var paths = new Argument<string[]>("PATH") { Description = "Parquet files, directories or globs", Arity = ArgumentArity.OneOrMore };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON" };
        var image = new Option<string?>("--image-column") { Description = "Image column override" };
        var caption = new Option<string?>("--caption-column") { Description = "Caption column override" };
        var command = new Command("inspect", "Report layout, files, row groups, rows, usable rows, labels, image sizes and quarantined data")
        {
            paths, json, image, caption,
        };
        command.SetAction((result, cancellationToken) => UserErrors.Report(async () =>
        {
            var report = await DatasetInspector.InspectAsync(result.GetValue(paths)!,
                new ColumnNames(result.GetValue(image), result.GetValue(caption)), DataSettingsConfig.Reference, cancellationToken);
            Console.WriteLine(result.GetValue(json) ? JsonSerializer.Serialize(report, Indented) : Describe(report));
            return 0;
        }));
        return command;
    }

    private static string Describe(InspectReport report)
    {
        var lines = new List<string>
        {
            $"layout:      {report.Layout}",
            $"files:       {report.Files.Count}",
            $"row groups:  {report.RowGroups}",
            $"rows:        {report.Rows}",
            $"usable rows: {report.UsableRows}",
        };
        if (report.ImageSizes is { } s)
            lines.Add($"image sizes: {s.MinWidth}-{s.MaxWidth} x {s.MinHeight}-{s.MaxHeight} (mean {s.MeanWidth:F0} x {s.MeanHeight:F0})");
        if (report.Labels.Count > 0)
            lines.Add("labels:      " + string.Join(", ", report.Labels.Select(l => $"{l.Key}: {l.Value}")));
        lines.Add($"quarantined: {report.Quarantined.Count}");
        lines.AddRange(report.Quarantined.Select(q => $"  [{q.Kind}] {q.File}{(q.Row is { } row ? $" row {row}" : "")}{(q.Key is null ? "" : $" ({q.Key})")}: {q.Reason}"));
        return string.Join(Environment.NewLine, lines);
    }
}
