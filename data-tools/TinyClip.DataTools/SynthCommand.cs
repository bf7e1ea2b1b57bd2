using System.CommandLine;
using System.Diagnostics;
using TinyClip.Data.Synthetic;

namespace TinyClip.DataTools;

/// <summary><c>synth</c>: the generated coloured-shapes dataset the embedded demo trains on.</summary>
public static class SynthCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Output directory (train/, val/, classes.txt, templates.txt)", Required = true };
        var train = new Option<int>("--train") { Description = "Training samples", DefaultValueFactory = _ => 20_000 };
        var val = new Option<int>("--val") { Description = "Validation samples", DefaultValueFactory = _ => 2_000 };
        var size = new Option<int>("--image-size") { Description = "Image side in pixels", DefaultValueFactory = _ => 64 };
        var seed = new Option<long>("--seed") { Description = "Generator seed (same seed, same bytes)", DefaultValueFactory = _ => 0 };
        var rowsPerFile = new Option<int>("--rows-per-file") { Description = "Rows per Parquet shard", DefaultValueFactory = _ => 5_000 };
        var rowGroup = new Option<int>("--row-group") { Description = "Rows per row group", DefaultValueFactory = _ => 500 };
        var jitter = new Option<double>("--position-jitter")
        {
            Description = "How far the shape centre may sit from the image centre, as a fraction of the side (0.5 = anywhere it fits)",
            DefaultValueFactory = _ => SyntheticScene.MaxPositionJitter,
        };
        var command = new Command("synth", "Generate a captioned coloured-shapes dataset (16 classes: colour x shape) in img2dataset layout")
        {
            output, train, val, size, seed, rowsPerFile, rowGroup, jitter,
        };
        command.SetAction((result, cancellationToken) => UserErrors.Report(async () =>
        {
            var options = new SynthOptions(result.GetValue(output)!, result.GetValue(train), result.GetValue(val),
                result.GetValue(size), result.GetValue(seed), result.GetValue(rowsPerFile), result.GetValue(rowGroup), result.GetValue(jitter));
            var clock = Stopwatch.StartNew();
            var shards = await SyntheticDataset.WriteAsync(options, cancellationToken);
            Console.WriteLine($"wrote {options.TrainCount} train + {options.ValCount} val samples in {shards.Count} shards to {options.OutputDirectory} ({clock.Elapsed.TotalSeconds:F1} s)");
            return 0;
        }));
        return command;
    }
}
