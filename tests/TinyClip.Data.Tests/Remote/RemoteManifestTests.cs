using TinyClip.Data.Remote;

namespace TinyClip.Data.Tests.Remote;

public sealed class RemoteManifestTests
{
    [Fact]
    public async Task The_manifest_from_ranged_footer_reads_is_the_local_manifest_with_sizes_and_etags()
    {
        await using var shards = await RemoteShards.StartAsync();
        var local = await shards.LocalManifestAsync();
        var remote = await shards.RemoteManifestAsync();

        Assert.Equal(local.ContentHash, remote.ContentHash);
        Assert.Equal(local.RowGroups, remote.RowGroups);
        Assert.Equal(shards.Urls, remote.Files.Select(f => f.Path));
        Assert.Equal(local.Files.Select(f => f.Length), remote.Files.Select(f => f.Length));
        Assert.All(remote.Files, f => Assert.Equal("\"v1\"", f.ETag));
        // Footers only: every request asks for a range, and none for more than a footer's bytes.
        Assert.All(shards.Server.Requests, r => Assert.StartsWith("bytes=", r.Range));
        Assert.Equal(3 * shards.Urls.Count, shards.Server.Requests.Count);
    }

    [Fact]
    public async Task A_503_while_footers_are_read_is_retried()
    {
        await using var shards = await RemoteShards.StartAsync();
        shards.Server.Arm(RemoteShards.NameOf(shards.Urls[0]), new ShardHttpServer.Fault(ShardHttpServer.FaultKind.Unavailable),
            new ShardHttpServer.Fault(ShardHttpServer.FaultKind.Unavailable));
        Assert.Equal((await shards.LocalManifestAsync()).ContentHash, (await shards.RemoteManifestAsync()).ContentHash);
    }

    [Fact]
    public async Task A_missing_shard_fails_the_build_naming_it()
    {
        await using var shards = await RemoteShards.StartAsync();
        var missing = shards.Server.BaseUrl + "/shards/none.parquet";
        var error = await Assert.ThrowsAsync<DataConfigurationException>(() =>
            RemoteManifestBuilder.BuildAsync([new RemoteObject(missing, null, null)], new(), Layouts.DatasetUse.Training, new(), shards.Access.FooterReader(), 2));
        Assert.Contains(missing, error.Message);
        Assert.Contains("404", error.Message);
    }

    [Fact]
    public void An_index_file_lists_urls_sizes_and_hashes_and_names_a_bad_line()
    {
        var sha = new string('a', 64);
        var shards = ShardIndexFile.Parse($"# shards\n\nhttp://h/a.parquet 10 {sha}\n  s3://b/p/b.parquet\t20\n", "x.index");
        Assert.Equal([new RemoteObject("http://h/a.parquet", 10, sha), new RemoteObject("s3://b/p/b.parquet", 20, null)], shards);

        Assert.Contains("x.index line 2", Assert.Throws<DataConfigurationException>(() => ShardIndexFile.Parse("http://h/a.parquet 1\nhttp://h/b.parquet ten", "x.index")).Message);
        Assert.Contains("not an http(s):// or s3:// URL", Assert.Throws<DataConfigurationException>(() => ShardIndexFile.Parse("/local/a.parquet 1", "x.index")).Message);
        Assert.Contains("64 hex digits", Assert.Throws<DataConfigurationException>(() => ShardIndexFile.Parse("http://h/a.parquet 1 abc", "x.index")).Message);
    }

    [Fact]
    public async Task An_index_file_served_over_http_gives_the_manifest_and_a_wrong_size_is_refused()
    {
        await using var shards = await RemoteShards.StartAsync();
        var sizes = Directory.GetFiles(shards.LocalDirectory, "*.parquet").Order(StringComparer.Ordinal).Select(f => new FileInfo(f).Length).ToArray();
        var index = shards.Directory.File("shards.index");
        File.WriteAllLines(index, shards.Urls.Select((url, i) => $"{url} {sizes[i]}"));
        var listed = await RemoteInputs.ResolveAsync([shards.Server.Serve("shards.index", index)], shards.Access.Store, CancellationToken.None);
        Assert.Equal(shards.Urls, listed.Select(s => s.Url));

        var wrong = listed.Select((s, i) => i == 1 ? s with { Size = s.Size + 1 } : s).ToArray();
        var error = await Assert.ThrowsAsync<DataConfigurationException>(() =>
            RemoteManifestBuilder.BuildAsync(wrong, new(), Layouts.DatasetUse.Training, new(), shards.Access.FooterReader(), 2));
        Assert.Contains(shards.Urls[1], error.Message);
    }

    [Fact]
    public void Mixed_local_and_remote_inputs_are_refused()
    {
        Assert.False(RemoteInputs.AllRemote(["/data/train"], "train-paths"));
        Assert.True(RemoteInputs.AllRemote(["http://h/a.parquet", "list.index"], "train-paths"));
        Assert.Contains("mixes", Assert.Throws<DataConfigurationException>(() => RemoteInputs.AllRemote(["/data", "s3://b/p"], "train-paths")).Message);
    }
}
