using System.CommandLine;
using TinyClip.Configuration;
using TinyClip.Data.Packing;

namespace TinyClip.DataTools;

/// <summary><c>pack</c>: image files + a caption list into img2dataset-layout shards.</summary>
public static class PackCommand
{
    public static Command Create()
    {
        var images = new Option<string>("--images") { Description = "Directory the caption list's paths are relative to", Required = true };
        var captions = new Option<string>("--captions") { Description = "OpenCLIP CSV/TSV (filepath, title) or JSONL (image|file, caption|text)", Required = true };
        var output = new Option<string>("--out") { Description = "Output directory for part-NNNNN.parquet", Required = true };
        var rowsPerFile = new Option<int>("--rows-per-file") { Description = "Rows per Parquet shard", DefaultValueFactory = _ => 10_000 };
        var rowGroup = new Option<int>("--row-group") { Description = "Rows per row group", DefaultValueFactory = _ => 1_000 };
        var command = new Command("pack", "Pack images and captions into Parquet shards; bad images are reported, not packed")
        {
            images, captions, output, rowsPerFile, rowGroup,
        };
        command.SetAction((result, cancellationToken) => UserErrors.Report(async () =>
        {
            var report = await DatasetPacker.PackAsync(new PackOptions(result.GetValue(images)!, result.GetValue(captions)!,
                result.GetValue(output)!, result.GetValue(rowsPerFile), result.GetValue(rowGroup)), DataSettingsConfig.Reference.Decode, cancellationToken);
            foreach (var (path, reason) in report.Rejected) Console.Error.WriteLine($"skipped {path}: {reason}");
            Console.WriteLine($"packed {report.Packed} rows into {report.Shards.Count} shards; {report.Rejected.Count} skipped");
            return 0;
        }));
        return command;
    }
}
