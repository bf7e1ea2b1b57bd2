using TinyClip.Data.Quarantine;
using TinyClip.Data.Tests.Support;

namespace TinyClip.Data.Tests;

public class QuarantineLogTests
{
    private static QuarantineEntry NotDownloaded(long row) => new("a.parquet", $"k{row}", row, "status is 'failed_to_download'", QuarantineKind.NotDownloaded);

    [Fact]
    public void Not_downloaded_rows_are_counted_per_visit_and_never_written()
    {
        using var dir = new TempDirectory();
        var quarantine = new QuarantineLog(dir.File("q.jsonl"));

        // Two epochs over rows 1 and 2.
        foreach (var row in new long[] { 1, 2, 1, 2 }) quarantine.Record(NotDownloaded(row));

        Assert.Equal(4, quarantine.Count(QuarantineKind.NotDownloaded));
        Assert.False(File.Exists(dir.File("q.jsonl")));
    }

    [Fact]
    public void An_entry_recorded_again_is_written_and_counted_once_and_the_file_reads_back_as_recorded()
    {
        using var dir = new TempDirectory();
        var quarantine = new QuarantineLog(dir.File("nested/q.jsonl"));
        QuarantineEntry[] distinct =
        [
            new("a.parquet", "k1", 1, "image is null", QuarantineKind.Sample),
            new("a.parquet", "k1", 1, "row group 0 unreadable: \"quoted\", ünïcode", QuarantineKind.RowGroup), // same file and row, other kind
            new("a.parquet", "k2", 2, "caption is null or empty", QuarantineKind.Sample),
            new("b.parquet", "k1", 1, "image is null", QuarantineKind.Sample), // same row, other file
            new("c.parquet", null, null, "not a Parquet file", QuarantineKind.File),
        ];

        foreach (var entry in distinct.Concat(distinct)) quarantine.Record(entry);
        // A later reason for the same (file, row, kind) is the same sample again (a later epoch).
        quarantine.Record(distinct[0] with { Reason = "another reason" });

        Assert.Equal(distinct, QuarantineFile.ReadAll(dir.File("nested/q.jsonl")));
        Assert.Equal((3, 1, 1), (quarantine.Count(QuarantineKind.Sample), quarantine.Count(QuarantineKind.RowGroup), quarantine.Count(QuarantineKind.File)));
    }

    [Fact]
    public void The_line_format_is_the_documented_one()
    {
        using var dir = new TempDirectory();
        new QuarantineLog(dir.File("q.jsonl")).Record(new QuarantineEntry("a.parquet", "k7", 7, "image is null", QuarantineKind.Sample));

        Assert.Equal("""{"file":"a.parquet","key":"k7","row":7,"reason":"image is null","kind":"sample"}""", Assert.Single(File.ReadAllLines(dir.File("q.jsonl"))));
    }

    [Fact]
    public void A_log_into_a_collection_keeps_what_it_would_write()
    {
        var written = new List<QuarantineEntry>();
        var quarantine = new QuarantineLog(written);
        var sample = new QuarantineEntry("a.parquet", "k1", 1, "image is null", QuarantineKind.Sample);

        quarantine.Record(sample);
        quarantine.Record(sample);
        quarantine.Record(NotDownloaded(2));

        Assert.Equal([sample], written);
    }

    [Fact]
    public void Concurrent_recorders_write_each_entry_once()
    {
        var written = new List<QuarantineEntry>();
        var quarantine = new QuarantineLog(written);

        Parallel.For(0, 4000, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
            quarantine.Record(new QuarantineEntry("a.parquet", null, i % 100, "image is null", QuarantineKind.Sample)));

        Assert.Equal(Enumerable.Range(0, 100).Select(i => (long?)i), written.Select(e => e.Row).Order());
        Assert.Equal(100, quarantine.Count(QuarantineKind.Sample));
    }

    [Fact]
    public void A_file_that_was_never_written_reads_back_empty_and_a_bad_line_is_named()
    {
        using var dir = new TempDirectory();
        Assert.Empty(QuarantineFile.ReadAll(dir.File("none.jsonl")));

        File.WriteAllLines(dir.File("q.jsonl"), ["""{"file":"a","key":null,"row":null,"reason":"r","kind":"file"}""", "not json"]);
        var error = Assert.Throws<InvalidDataException>(() => QuarantineFile.ReadAll(dir.File("q.jsonl")));
        Assert.Contains("line 2", error.Message);
    }
}
