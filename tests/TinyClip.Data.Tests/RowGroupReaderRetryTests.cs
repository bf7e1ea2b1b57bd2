using TinyClip.Data.Manifest;
using TinyClip.Data.Quarantine;
using TinyClip.Data.Reading;
using TinyClip.Data.Settings;
using TinyClip.Data.Tests.Support;

namespace TinyClip.Data.Tests;

/// <summary>The row-group reader on real files: I/O errors are retried and never quarantine; damage is quarantined at once.</summary>
public class RowGroupReaderRetryTests
{
    /// <summary>A policy that runs <paramref name="onWait"/> (given the wait's number, from 1) instead of sleeping.</summary>
    private static ReadRetryPolicy Retrying(List<TimeSpan> waits, Action<int>? onWait = null) =>
        new(4, TimeSpan.FromMilliseconds(200), (wait, _) =>
        {
            waits.Add(wait);
            onWait?.Invoke(waits.Count);
            return Task.CompletedTask;
        });

    private static async Task<(DatasetManifest Manifest, string Path)> OneFileAsync(TempDirectory dir)
    {
        var path = ParquetFiles.Img2Dataset(dir.File("a.parquet"), ParquetFiles.GoodRows(8));
        return (await Pipelines.ManifestAsync([path], new ColumnNames(), new QuarantineLog()), path);
    }

    [Fact]
    public async Task A_file_deleted_after_the_manifest_fails_the_read_after_the_retries_and_quarantines_nothing()
    {
        using var dir = new TempDirectory();
        var (manifest, path) = await OneFileAsync(dir);
        File.Delete(path);
        var quarantine = new QuarantineLog(dir.File("q.jsonl"));
        var waits = new List<TimeSpan>();

        var error = await Assert.ThrowsAsync<DataReadException>(() => RowGroupReader.ReadAsync(manifest, manifest.RowGroups[1], quarantine, Retrying(waits)));

        Assert.Equal((path, 1, 5), (error.File, error.RowGroup, error.Attempts));
        Assert.Contains("FileNotFoundException", error.Message);
        Assert.Equal(4, waits.Count);
        Assert.Equal(0, quarantine.Count(QuarantineKind.RowGroup));
        Assert.Empty(QuarantineFile.ReadAll(dir.File("q.jsonl")));
    }

    [Fact]
    public async Task A_file_missing_for_two_attempts_is_read_on_the_third_and_quarantines_nothing()
    {
        using var dir = new TempDirectory();
        var (manifest, path) = await OneFileAsync(dir);
        var expected = await RowGroupReader.ReadAsync(manifest, manifest.RowGroups[0], new QuarantineLog(), Pipelines.Retry);
        File.Move(path, dir.File("away"));
        var quarantined = new List<QuarantineEntry>();
        var waits = new List<TimeSpan>();

        // The file comes back during the second wait, as when it is being replaced.
        var rows = await RowGroupReader.ReadAsync(manifest, manifest.RowGroups[0], new QuarantineLog(quarantined),
            Retrying(waits, wait => { if (wait == 2) File.Move(dir.File("away"), path); }));

        Assert.Equal(2, waits.Count);
        Assert.Equal(expected.Select(r => (r.Key, r.Caption, r.SkipReason)), rows.Select(r => (r.Key, r.Caption, r.SkipReason)));
        Assert.All(rows, r => Assert.Null(r.SkipReason));
        Assert.Empty(quarantined);
    }

    [Fact]
    public async Task Damage_is_not_retried_and_quarantines_the_row_group()
    {
        using var dir = new TempDirectory();
        var (manifest, path) = await OneFileAsync(dir);
        // Readable Parquet whose row groups no longer match the manifest's: the bytes are wrong, not the file system.
        ParquetFiles.Img2Dataset(path, ParquetFiles.GoodRows(8), rowGroupSize: 3);
        var quarantined = new List<QuarantineEntry>();
        var waits = new List<TimeSpan>();

        var rows = await RowGroupReader.ReadAsync(manifest, manifest.RowGroups[1], new QuarantineLog(quarantined), Retrying(waits));

        Assert.Empty(waits);
        var entry = Assert.Single(quarantined);
        Assert.Equal((path, 1L, QuarantineKind.RowGroup), (entry.File, entry.Row, entry.Kind));
        Assert.Equal("row group 1 unreadable: row group has 3 rows, manifest says 4", entry.Reason);
        Assert.All(rows, r => Assert.Equal((entry.Reason, QuarantineKind.RowGroup), (r.SkipReason, r.SkipKind)));
    }
}
