using System.Collections.Concurrent;
using TinyClip.Data.Manifest;
using TinyClip.Data.Quarantine;
using TinyClip.Data.Settings;
using TinyClip.Data.Tests.Support;

namespace TinyClip.Data.Tests;

/// <summary>The manifest built with parallel footer reads, read errors that stop the build, and a stored manifest compared with the files a process finds.</summary>
public class ManifestBuildTests
{
    /// <summary>Seven shards of 3 to 9 rows and one truncated shard (the build leaves it out).</summary>
    private static void WriteShards(TempDirectory dir)
    {
        for (var f = 0; f < 7; f++)
            ParquetFiles.Img2Dataset(dir.File($"part-{f}.parquet"), ParquetFiles.GoodRows(3 + f, $"f{f}-"), rowGroupSize: 2);
        var whole = File.ReadAllBytes(dir.File("part-3.parquet"));
        File.WriteAllBytes(dir.File("part-3b.parquet"), whole[..(whole.Length / 2)]);
    }

    /// <summary>Opens the file itself, after yielding, so that parallel reads finish in whatever order the scheduler makes.</summary>
    private static FooterReads Reads(int parallelReads, Func<string, Exception?>? failure = null, ConcurrentBag<string>? opened = null) =>
        new(parallelReads, async (path, _) =>
        {
            opened?.Add(path);
            await Task.Yield();
            if (failure?.Invoke(path) is { } error) throw error;
            return File.OpenRead(path);
        });

    [Fact]
    public async Task Parallel_reads_build_the_manifest_of_a_sequential_build()
    {
        using var dir = new TempDirectory();
        WriteShards(dir);
        var written = new List<QuarantineEntry>();
        var (sequentialLog, parallelLog) = (new QuarantineLog(), new QuarantineLog(written));

        var sequential = await DatasetManifest.BuildAsync([dir.Path], new ColumnNames(), sequentialLog, Reads(1));
        var parallel = await DatasetManifest.BuildAsync([dir.Path], new ColumnNames(), parallelLog, Reads(8));

        Assert.Equal(sequential.ContentHash, parallel.ContentHash);
        Assert.Equal(sequential.Files.Select(f => f.Path), parallel.Files.Select(f => f.Path));
        Assert.Equal(sequential.Files.Select(f => f.Path).Order(StringComparer.Ordinal), parallel.Files.Select(f => f.Path));
        Assert.Equal(7, parallel.Files.Count);
        var leftOut = Assert.Single(parallel.LeftOut);
        Assert.Equal((dir.File("part-3b.parquet"), new FileInfo(dir.File("part-3b.parquet")).Length), (leftOut.Path, leftOut.Length));
        Assert.Equal(sequential.LeftOut, parallel.LeftOut);
        var entry = Assert.Single(written);
        Assert.Equal((leftOut.Path, QuarantineKind.File, leftOut.Reason), (entry.File, entry.Kind, entry.Reason));
    }

    public static TheoryData<string, Exception> ReadFailures() => new()
    {
        { "I/O error", new IOException("Input/output error") },
        { "no permission", new UnauthorizedAccessException("Access to the path is denied") },
        { "timeout", new TimeoutException("the server did not answer") },
    };

    [Theory]
    [MemberData(nameof(ReadFailures))]
    public async Task A_file_that_cannot_be_read_fails_the_build_naming_it_and_quarantines_nothing(string what, Exception failure)
    {
        using var dir = new TempDirectory();
        WriteShards(dir);
        var quarantine = new QuarantineLog(dir.File("quarantine.jsonl"));

        var error = await Assert.ThrowsAsync<DataConfigurationException>(() => DatasetManifest.BuildAsync([dir.Path], new ColumnNames(), quarantine,
            Reads(4, path => path.EndsWith("part-5.parquet") ? failure : null)));

        Assert.Contains(dir.File("part-5.parquet"), error.Message);
        Assert.Contains(failure.Message, error.Message);
        Assert.True(quarantine.Count(QuarantineKind.File) == 0, $"{what}: {quarantine.Count(QuarantineKind.File)} files quarantined");
        Assert.False(File.Exists(dir.File("quarantine.jsonl")));
    }

    [Fact]
    public async Task The_manifest_survives_json_with_its_left_out_files()
    {
        using var dir = new TempDirectory();
        WriteShards(dir);
        var manifest = await Pipelines.ManifestAsync([dir.Path], new ColumnNames(), new QuarantineLog());

        var loaded = DatasetManifest.FromJson(manifest.ToJson());

        Assert.Equal(manifest.ContentHash, loaded.ContentHash);
        Assert.Equal(manifest.ContentHash, DatasetManifest.HashOf(loaded.Files));
        Assert.Equal(manifest.LeftOut, loaded.LeftOut);
        Assert.Equal(manifest.RowGroups, loaded.RowGroups);
    }

    [Fact]
    public async Task The_same_files_elsewhere_match_and_the_manifest_takes_their_paths()
    {
        using var dir = new TempDirectory();
        using var moved = new TempDirectory();
        WriteShards(dir);
        var manifest = await Pipelines.ManifestAsync([dir.Path], new ColumnNames(), new QuarantineLog());
        foreach (var file in Directory.GetFiles(dir.Path)) File.Copy(file, moved.File(Path.GetFileName(file)));
        var pathsThere = DatasetFiles.Expand([moved.Path]);

        Assert.Null(ManifestComparison.FirstDifference(manifest, pathsThere));
        var there = ManifestComparison.WithPathsOf(manifest, pathsThere);

        Assert.All(there.Files.Select(f => f.Path).Concat(there.LeftOut.Select(f => f.Path)), path => Assert.StartsWith(moved.Path, path));
        Assert.Equal(manifest.Files.Select(f => Path.GetFileName(f.Path)), there.Files.Select(f => Path.GetFileName(f.Path)));
        Assert.Equal(manifest.ContentHash, DatasetManifest.HashOf(there.Files));
    }

    public static TheoryData<string, string> Changes() => new()
    {
        { "missing", "'part-4.parquet' is in the manifest but not among this process's files" },
        { "extra", "part-35.parquet' is not in the manifest" },
        { "resized", "part-2.parquet' has 7 bytes, " },
        { "left-out file missing", "'part-3b.parquet' is in the manifest but not among this process's files" },
    };

    [Theory]
    [MemberData(nameof(Changes))]
    public async Task A_changed_file_is_the_first_difference(string change, string difference)
    {
        using var dir = new TempDirectory();
        WriteShards(dir);
        var manifest = await Pipelines.ManifestAsync([dir.Path], new ColumnNames(), new QuarantineLog());
        switch (change)
        {
            case "missing": File.Delete(dir.File("part-4.parquet")); break;
            case "extra": File.Copy(dir.File("part-3.parquet"), dir.File("part-35.parquet")); break;
            case "resized": File.WriteAllBytes(dir.File("part-2.parquet"), new byte[7]); break;
            case "left-out file missing": File.Delete(dir.File("part-3b.parquet")); break;
        }

        Assert.Contains(difference, ManifestComparison.FirstDifference(manifest, DatasetFiles.Expand([dir.Path])));
    }

    [Fact]
    public void Parallel_reads_must_be_positive()
    {
        var error = Assert.Throws<DataConfigurationException>(() => (Pipelines.Shipped with { Manifest = new ManifestSettings(0) }).Validate());
        Assert.Contains("manifest.parallel-reads", error.Message);
    }
}
