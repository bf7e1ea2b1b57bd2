using TinyClip.Data.Reading.Guard;
using Parquet;
using TinyClip.Data.Manifest;
using TinyClip.Data.Ordering;
using TinyClip.Data.Pipeline;
using TinyClip.Data.Quarantine;
using TinyClip.Data.Reading;
using TinyClip.Data.Settings;
using TinyClip.Data.Tests.Support;

namespace TinyClip.Data.Tests;

/// <summary>
/// Seeded damage to a valid shard (truncations, byte flips anywhere, byte flips in the footer; and, as a kind of its
/// own, byte flips in page headers) fed to the manifest, evaluation and training readers: each variant ends (a hang
/// guard bounds it), with no exception but the project's clear ones, and every row that is not delivered is accounted
/// for in the quarantine log (the file, its row group or the sample, with a reason).
/// </summary>
public class ParquetFuzzTests
{
    private const int Rows = 24, BatchSize = 4;
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(1);

    /// <summary>24 rows in six row groups of four, Snappy, written by the project's img2dataset writer.</summary>
    private static readonly Lazy<byte[]> ValidShard = new(() =>
    {
        using var dir = new TempDirectory();
        return File.ReadAllBytes(ParquetFiles.Img2Dataset(dir.File("valid.parquet"), ParquetFiles.GoodRows(Rows), rowGroupSize: 4));
    });

    /// <summary>
    /// Where the valid shard's page headers lie: the first page of every column chunk, from the offsets in the footer
    /// (the writer puts each chunk's four values in one page, so these are all of them), and its length as walked.
    /// </summary>
    private static readonly Lazy<(int Start, int Length)[]> PageHeaders = new(() => FindPageHeadersAsync().GetAwaiter().GetResult());

    private static async Task<(int Start, int Length)[]> FindPageHeadersAsync()
    {
        var bytes = ValidShard.Value;
        await using var reader = await ParquetReader.CreateAsync(new MemoryStream(bytes));
        return reader.Metadata!.RowGroups.SelectMany(g => g.Columns).Select(c =>
        {
            // Where Parquet.Net starts reading a chunk: its lowest page offset that is set.
            var start = (int)new[] { c.MetaData!.DictionaryPageOffset ?? 0, c.MetaData.DataPageOffset }.Where(o => o > 0).Min();
            return (start, ThriftCompactWalker.WalkStruct(bytes.AsSpan(start)));
        }).ToArray();
    }

    /// <summary>
    /// 43 variants: the first 38 of seed 2026; 313 and 421 of seed 2026, which a 600-variant sweep found (footers whose
    /// row counts parsed but were negative or did not add up); 2908 and 2960 of seed 77, and 2069 of seed 5, footers on
    /// which Parquet.Net never returned (a field or list element whose wire type it ignores, so that it read past the
    /// footer's end). TINYCLIP_FUZZ_SEED and TINYCLIP_FUZZ_VARIANTS run a sweep instead, unless TINYCLIP_FUZZ_KIND says
    /// the sweep is of another kind.
    /// </summary>
    public static TheoryData<int, int> Cases()
    {
        if (Sweep(kind: null) is { } sweep) return sweep;
        var cases = new TheoryData<int, int>();
        foreach (var n in Enumerable.Range(0, 38).Append(313).Append(421)) cases.Add(2026, n);
        cases.Add(77, 2908);
        cases.Add(77, 2960);
        cases.Add(5, 2069);
        return cases;
    }

    /// <summary>
    /// Page-header variants: the first 40 of seed 2026. TINYCLIP_FUZZ_KIND=pages with TINYCLIP_FUZZ_SEED and
    /// TINYCLIP_FUZZ_VARIANTS runs a sweep of this kind instead.
    /// </summary>
    public static TheoryData<int, int> PageHeaderCases()
    {
        if (Sweep(kind: "pages") is { } sweep) return sweep;
        var cases = new TheoryData<int, int>();
        foreach (var n in Enumerable.Range(0, 40)) cases.Add(2026, n);
        return cases;
    }

    /// <summary>The sweep the environment asks for, if it is of this kind (null: the mixed kind of <see cref="Variant"/>).</summary>
    private static TheoryData<int, int>? Sweep(string? kind)
    {
        var asked = Environment.GetEnvironmentVariable("TINYCLIP_FUZZ_KIND") is { Length: > 0 } k ? k : null;
        if (asked is not (null or "pages")) throw new InvalidOperationException($"TINYCLIP_FUZZ_KIND is '{asked}'; it may be 'pages' or unset");
        if (asked != kind || !int.TryParse(Environment.GetEnvironmentVariable("TINYCLIP_FUZZ_SEED"), out var seed)) return null;
        var count = int.TryParse(Environment.GetEnvironmentVariable("TINYCLIP_FUZZ_VARIANTS"), out var c) ? c : 40;
        var cases = new TheoryData<int, int>();
        foreach (var n in Enumerable.Range(0, count)) cases.Add(seed, n);
        return cases;
    }

    /// <summary>Variant n of a seed: a function of (seed, n) alone, so a failure names a reproducible input.</summary>
    private static (string Description, byte[] Bytes) Variant(int seed, int n)
    {
        var random = new Random(seed * 1000 + n);
        var bytes = ValidShard.Value.ToArray();
        switch (n % 3)
        {
            case 0:
                var length = random.Next(bytes.Length);
                return ($"truncated to {length} of {bytes.Length} bytes", bytes[..length]);
            case 1:
                return ($"bytes flipped at {Flip(bytes, random, 0)}", bytes);
            default:
                // The footer (schema, row-group offsets and row counts) and its length sit at the end of the file.
                return ($"footer bytes flipped at {Flip(bytes, random, bytes.Length * 9 / 10)}", bytes);
        }
    }

    private static string Flip(byte[] bytes, Random random, int from)
    {
        var positions = Enumerable.Range(0, random.Next(1, 9)).Select(_ => random.Next(from, bytes.Length)).ToArray();
        foreach (var p in positions) bytes[p] ^= (byte)random.Next(1, 256);
        return string.Join(", ", positions);
    }

    /// <summary>
    /// Page-header variant n of a seed: 1 to 8 bytes flipped inside page headers only, the Thrift that Parquet.Net
    /// decodes straight from the file while it reads a row group (the footer check does not see it).
    /// </summary>
    private static (string Description, byte[] Bytes) PageHeaderVariant(int seed, int n)
    {
        var random = new Random(seed * 1000 + n);
        var bytes = ValidShard.Value.ToArray();
        var headers = PageHeaders.Value;
        var positions = Enumerable.Range(0, random.Next(1, 9)).Select(_ =>
        {
            var (start, length) = headers[random.Next(headers.Length)];
            return start + random.Next(length);
        }).ToArray();
        foreach (var p in positions) bytes[p] ^= (byte)random.Next(1, 256);
        return ($"page header bytes flipped at {string.Join(", ", positions)}", bytes);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public Task A_damaged_shard_is_quarantined_or_read_without_crash_or_hang(int seed, int n) =>
        ReadsWithoutCrashOrHangAsync(seed, n, Variant(seed, n));

    [Theory]
    [MemberData(nameof(PageHeaderCases))]
    public Task A_shard_with_damaged_page_headers_is_quarantined_or_read_without_crash_or_hang(int seed, int n) =>
        ReadsWithoutCrashOrHangAsync(seed, n, PageHeaderVariant(seed, n));

    private static async Task ReadsWithoutCrashOrHangAsync(int seed, int n, (string Description, byte[] Bytes) variant)
    {
        var (description, bytes) = variant;
        using var dir = new TempDirectory();
        var shard = dir.File("shard.parquet");
        File.WriteAllBytes(shard, bytes);
        var quarantine = new QuarantineLog(dir.File("quarantine.jsonl"));

        // Run on the thread pool so that the guard also bounds synchronous work that never yields.
        var reading = Task.Run(() => ReadEverythingAsync(shard, dir.Path, quarantine));
        try
        {
            await reading.WaitAsync(HangGuard);
        }
        catch (Exception e) when (e is not DataConfigurationException)
        {
            Assert.Fail($"seed {seed} variant {n} ({description}): {e}");
        }
    }

    [Theory]
    [InlineData(77, 2908, "ColumnMetaData.path_in_schema (field 3) at byte 3765 is a list of i16, expected list<binary>")]
    [InlineData(77, 2960, "ColumnMetaData.path_in_schema (field 3) at byte 3765 is a list of i16, expected list<binary>")]
    [InlineData(5, 2069, "Statistics.is_min_value_exact (field 8) at byte 2981 has wire type binary, expected bool")]
    public async Task The_footers_Parquet_Net_spun_on_quarantine_the_file(int seed, int n, string reason)
    {
        var (description, bytes) = Variant(seed, n);
        using var dir = new TempDirectory();
        var shard = dir.File("shard.parquet");
        File.WriteAllBytes(shard, bytes);
        var quarantined = new List<QuarantineEntry>();

        await Assert.ThrowsAsync<DataConfigurationException>(() =>
            Task.Run(() => Pipelines.ManifestAsync([shard], Pipelines.Settings().Columns, new QuarantineLog(quarantined))).WaitAsync(HangGuard));

        var entry = Assert.Single(quarantined);
        Assert.True(entry.Kind == QuarantineKind.File && entry.Reason.Contains("damaged Parquet footer") && entry.Reason.Contains(reason),
            $"seed {seed} variant {n} ({description}): {entry.Kind} {entry.Reason}");
    }

    private static async Task ReadEverythingAsync(string shard, string directory, QuarantineLog quarantine)
    {
        var settings = Pipelines.Settings(batchSize: BatchSize);
        DatasetManifest manifest;
        try
        {
            manifest = await Pipelines.ManifestAsync([directory], settings.Columns, quarantine);
        }
        catch (DataConfigurationException)
        {
            // Nothing usable is left: that must be because the file itself was quarantined, with a reason.
            Assert.Contains(QuarantineFile.ReadAll(Path.Combine(directory, "quarantine.jsonl")), e => e.Kind == QuarantineKind.File && e.File == shard && e.Reason.Length > 0);
            return;
        }

        // Evaluation reads every usable sample once; every other row must have a reason in the quarantine log.
        var delivered = new HashSet<long>();
        await foreach (var batch in new EvaluationReader(new ParquetEvaluationRows(manifest, quarantine, Pipelines.Retry), settings, new WordHashTokenizer(), quarantine).ReadAsync())
            Assert.All(batch.SampleIds, id => Assert.True(delivered.Add(id), $"sample {id} delivered twice"));
        // Not-downloaded rows (a damaged status) are only counted, once per row read so far.
        var accounted = AccountedRows(manifest, QuarantineFile.ReadAll(Path.Combine(directory, "quarantine.jsonl")));
        var missing = Enumerable.Range(0, checked((int)manifest.TotalRows)).Where(row => !delivered.Contains(row) && !accounted.Contains(row)).ToList();
        Assert.True(missing.Count == quarantine.Count(QuarantineKind.NotDownloaded),
            $"rows neither delivered nor quarantined: {string.Join(", ", missing)}; not downloaded: {quarantine.Count(QuarantineKind.NotDownloaded)}");

        // Training: one epoch from the pull source uses each usable sample at most once, and only usable ones.
        try
        {
            var trained = new HashSet<long>();
            var pipeline = new BatchPipeline(manifest, settings, new WordHashTokenizer(), quarantine);
            await foreach (var batch in new SampleSource(pipeline).ReadAsync(pipeline.Start))
            {
                if (batch.Next.Epoch > 0) break; // a batch that runs into the next epoch holds samples of both
                Assert.All(batch.SampleIds, id => Assert.True(trained.Add(id) && delivered.Contains(id), $"sample {id} trained twice or unusable"));
            }
        }
        catch (DataConfigurationException)
        {
            // Fewer rows than one batch.
        }
        catch (InvalidDataException e) when (e.Message.Contains("usable samples; see quarantine.jsonl"))
        {
            // Fewer usable samples than one batch in the epoch: the stream fails instead of spinning.
        }
    }

    /// <summary>The file's rows named by the quarantine log: samples by row, row groups by all of their rows.</summary>
    private static HashSet<long> AccountedRows(DatasetManifest manifest, IEnumerable<QuarantineEntry> quarantined)
    {
        var groupRows = manifest.Files.Single().RowGroupRows;
        var rows = new HashSet<long>();
        foreach (var entry in quarantined.Where(e => e.Row is not null && e.Reason.Length > 0))
        {
            if (entry.Kind != QuarantineKind.RowGroup)
            {
                rows.Add(entry.Row!.Value);
                continue;
            }
            var group = (int)entry.Row!.Value;
            var first = groupRows.Take(group).Sum();
            for (var row = first; row < first + groupRows[group]; row++) rows.Add(row);
        }
        return rows;
    }
}
