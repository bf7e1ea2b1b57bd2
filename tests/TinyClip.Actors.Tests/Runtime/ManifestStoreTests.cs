using System.Collections.Concurrent;
using TinyClip.Actors.Runtime;
using TinyClip.Actors.Tests.Feeding;
using TinyClip.Data;
using TinyClip.Data.Manifest;
using TinyClip.Data.Quarantine;
using TinyClip.Data.Settings;

namespace TinyClip.Actors.Tests.Runtime;

/// <summary>manifest.json in the run directory: built once, loaded (without a footer read) and checked by every later process.</summary>
public sealed class ManifestStoreTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("tinyclip-manifest-store-").FullName;
    private string Data => Path.Combine(_root, "data");
    private string RunDirectory => Path.Combine(_root, "run");

    private async Task WriteDataAsync()
    {
        await FeedFixture.WriteShardsAsync(Directory.CreateDirectory(Data).FullName, files: 4, rowsPerFile: 10);
        File.WriteAllBytes(Path.Combine(Data, "part-9.parquet"), "PAR1 and then nothing"u8.ToArray());
    }

    /// <summary>Reads footers from the files, counting every open.</summary>
    private static FooterReads Counting(ConcurrentBag<string> opened) =>
        new(4, (path, _) =>
        {
            opened.Add(path);
            return Task.FromResult<Stream>(File.OpenRead(path));
        });

    private Task<(DatasetManifest Manifest, bool Built)> PrepareAsync(QuarantineLog quarantine, ConcurrentBag<string>? opened = null) =>
        new ManifestStore(RunDirectory).LoadOrBuildAsync([Data], new ColumnNames(), quarantine, Counting(opened ?? new()), CancellationToken.None);

    [Fact]
    public async Task The_first_process_builds_and_stores_the_manifest_and_the_next_loads_it_without_reading_a_footer()
    {
        await WriteDataAsync();
        var (firstLog, nextLog) = (new QuarantineLog(), new QuarantineLog());
        var (firstOpens, nextOpens) = (new ConcurrentBag<string>(), new ConcurrentBag<string>());

        var (built, wasBuilt) = await PrepareAsync(firstLog, firstOpens);
        var (loaded, wasBuiltAgain) = await PrepareAsync(nextLog, nextOpens);

        Assert.Equal((true, false), (wasBuilt, wasBuiltAgain));
        Assert.Equal(5, firstOpens.Count);
        Assert.Empty(nextOpens);
        Assert.True(File.Exists(Path.Combine(RunDirectory, "manifest.json")));
        Assert.Equal(built.ContentHash, loaded.ContentHash);
        Assert.Equal(built.Files.Select(f => f.Path), loaded.Files.Select(f => f.Path));
        Assert.Equal(built.RowGroups, loaded.RowGroups);
        // The left-out file is known to the loading process too; only the builder records it.
        Assert.Equal("part-9.parquet", Path.GetFileName(Assert.Single(loaded.LeftOut).Path));
        Assert.Equal(1, firstLog.Count(QuarantineKind.File));
        Assert.Equal(0, nextLog.Count(QuarantineKind.File));
    }

    /// <summary>Which difference is found first, and how it is named, is ManifestComparison's (Data tests); here: the refusal.</summary>
    [Fact]
    public async Task A_process_whose_files_differ_from_the_stored_manifest_is_refused_naming_the_file()
    {
        await WriteDataAsync();
        await PrepareAsync(new QuarantineLog());
        File.Delete(Path.Combine(Data, "part-2.parquet"));

        var error = await Assert.ThrowsAsync<DataConfigurationException>(() => PrepareAsync(new QuarantineLog()));

        Assert.Contains("'part-2.parquet' is in the manifest but not among this process's files", error.Message);
        Assert.Contains(Path.Combine(RunDirectory, "manifest.json"), error.Message);
        Assert.Contains("Use the data the run was started with, or a new run directory", error.Message);
    }

    [Fact]
    public async Task A_stored_manifest_whose_hash_does_not_match_its_files_is_refused()
    {
        await WriteDataAsync();
        var (built, _) = await PrepareAsync(new QuarantineLog());
        var stored = Path.Combine(RunDirectory, "manifest.json");
        File.WriteAllText(stored, (built with { ContentHash = new string('0', 64) }).ToJson());

        var error = await Assert.ThrowsAsync<DataConfigurationException>(() => PrepareAsync(new QuarantineLog()));

        Assert.Contains("damaged", error.Message);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
