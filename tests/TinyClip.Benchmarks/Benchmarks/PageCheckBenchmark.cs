using TinyClip.Configuration;
using TinyClip.Data.Reading.Guard;
using TinyClip.Benchmarks.Harness;
using TinyClip.Data.Manifest;
using TinyClip.Data.Quarantine;
using TinyClip.Data.Reading;

namespace TinyClip.Benchmarks.Benchmarks;

/// <summary>What walking every page header before Parquet.Net reads a chunk costs, beside reading the row groups.</summary>
public sealed class PageCheckBenchmark : IBenchmark
{
    private const int ImageSize = 64, RowGroupSize = 500;

    public string Name => "page-check";

    public async Task<BenchmarkSection> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        int rows = options.Pick(5000, 20000);
        var section = new BenchmarkSection("9. Page-header check (before Parquet.Net reads a column chunk)",
            $"{rows} synthetic {ImageSize} px samples in img2dataset shards of 5000 rows (row groups of {RowGroupSize}, Snappy), as the demo writes them. " +
            "*Check*: `ColumnChunkPageCheck` over every column chunk of every shard (all columns, more than training reads), each shard opened once. " +
            "*Read*: `RowGroupReader.ReadAsync` over every row group (footer check, page check of the columns it reads, the library's read of those " +
            $"columns). One warm-up pass each, then {options.Repeats} timed repeats, the two alternating; ratios per repeat. Files are in the page cache.")
            .Columns("column chunks", "check ms", "read ms (check included)", "check / read");

        using var scratch = new TempDirectory("page-check");
        var train = await SyntheticShards.WriteAsync(scratch.Path, rows, ImageSize, RowGroupSize, cancellationToken);
        var paths = Directory.GetFiles(train, "*.parquet").Order().ToArray();
        var quarantined = new List<QuarantineEntry>();
        var quarantine = new QuarantineLog(quarantined);
        var data = DataSettingsConfig.Reference;
        var manifest = await DatasetManifest.BuildAsync(paths, new TinyClip.Data.Settings.ColumnNames(), quarantine, FooterReads.FromFiles(data.Manifest), cancellationToken);

        var checkTimes = new List<double>();
        var readTimes = new List<double>();
        int chunks = 0;
        for (int r = -1; r < options.Repeats; r++)
        {
            double check = await Stopwatches.TimeAsync(async () => chunks = await CheckEveryChunkAsync(paths, cancellationToken));
            double read = await Stopwatches.TimeAsync(async () =>
            {
                foreach (var group in manifest.RowGroups) await RowGroupReader.ReadAsync(manifest, group, quarantine, ReadRetryPolicy.From(data.Stream), cancellationToken: cancellationToken);
            });
            if (r < 0) continue;
            checkTimes.Add(check * 1000);
            readTimes.Add(read * 1000);
        }
        if (quarantined.Count > 0) throw new InvalidOperationException($"the generated shards had quarantined rows: {quarantined[0].Reason}");
        section.Row(chunks.ToString(), Spread.Of(checkTimes).Format("F1"), Spread.Of(readTimes).Format("F0"),
            Spread.Of(checkTimes.Zip(readTimes, (c, d) => c / d)).Format("F3"));
        section.Note("Decoding the images, not reading the Parquet, is what a training step waits for (benchmarks 2 and 3): the check's share of " +
                     "the whole feed is smaller still than its share of the reads here.");
        return section;
    }

    private static async Task<int> CheckEveryChunkAsync(IEnumerable<string> paths, CancellationToken cancellationToken)
    {
        int chunks = 0;
        foreach (var path in paths)
        {
            await using var stream = File.OpenRead(path);
            var (reader, footerStart) = await ParquetFooterCheck.OpenWithFooterStartAsync(stream, cancellationToken);
            await using var _ = reader;
            foreach (var chunk in reader.Metadata!.RowGroups.SelectMany(g => g.Columns).Select(c => c.MetaData!))
            {
                await ColumnChunkPageCheck.CheckAsync(stream, chunk, footerStart, string.Join("/", chunk.PathInSchema), cancellationToken);
                chunks++;
            }
        }
        return chunks;
    }
}
