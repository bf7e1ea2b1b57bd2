using System.Text.Json;
using TinyClip.Data.Synthetic;
using TinyClip.Data.Tests.Remote;
using static TinyClip.Data.Tests.Remote.ShardHttpServer;

namespace TinyClip.Integration.Tests;

/// <summary>
/// Runs of the real CLI whose training shards stream from a loopback HTTP server and from s3rver through a cache of two
/// shards end with the weights of the same run on the local files (bitwise: CPU, one thread a trainer); a run killed
/// with SIGKILL in the middle of a download and started again ends with them too.
/// </summary>
[Trait("Category", "Integration")]
public sealed class RemoteDataRunTests : IDisposable
{
    private const int RowsPerShard = 64;
    private readonly string _directory = Directory.CreateTempSubdirectory("tinyclip-remote-").FullName;

    private string SharedData => Path.Combine(_directory, "data");

    private string TrainShards => Path.Combine(SharedData, "train");

    /// <summary>The data every run here trains on: TinyRun's synthetic set, in shards of <see cref="RowsPerShard"/> rows.</summary>
    private async Task WriteDataAsync() =>
        await SyntheticDataset.WriteAsync(new SynthOptions(SharedData, 320, 64, ImageSize: 32, Seed: 0, RowsPerFile: RowsPerShard, RowGroupSize: 16));

    private long LargestShard => Directory.GetFiles(TrainShards, "*.parquet").Max(f => new FileInfo(f).Length);

    private (string Config, string RunDirectory) Fresh(string name, string data = "")
    {
        var directory = Path.Combine(_directory, name);
        Directory.CreateDirectory(directory);
        var settings = $"synthetic-data.directory = {JsonSerializer.Serialize(SharedData)}\n{data}";
        return (TinyRun.WriteConfig(directory, extraSettings: settings), Path.Combine(directory, "run"));
    }

    private string RemoteData(IEnumerable<string> trainPaths, string more = "") =>
        $"data {{\n  train-paths = {JsonSerializer.Serialize(trainPaths)}\n  cache {{ max-bytes = {2 * LargestShard}, download-retry-backoff = 10ms }}\n  {more}\n}}";

    private static void AssertSameWeights(string expected, string actual)
    {
        foreach (var stage in TinyRun.Stages) TinyRun.AssertSameFinalWeights(expected, actual, stage);
    }

    [Fact]
    public async Task A_run_streaming_from_http_equals_the_run_on_local_files()
    {
        await WriteDataAsync();
        var (localConfig, local) = Fresh("local");
        TinyRun.RunToEnd(localConfig, local);

        await using var server = await ShardHttpServer.StartAsync();
        var urls = server.ServeDirectory(TrainShards);
        var (config, remote) = Fresh("http", RemoteData(urls));
        TinyRun.RunToEnd(config, remote);

        AssertSameWeights(local, remote);
        Assert.True(File.Exists(Path.Combine(remote, "manifest.json")));
        // Evicted and fetched again: more whole-shard downloads than shards (the cache holds two of five).
        Assert.True(server.Requests.Count(r => r.Range == "bytes=0-") > urls.Count, $"{server.Requests.Count} requests");
    }

    [Fact]
    public async Task A_run_streaming_from_s3_equals_the_run_on_local_files()
    {
        await WriteDataAsync();
        var (localConfig, local) = Fresh("local");
        TinyRun.RunToEnd(localConfig, local);

        using var s3 = new S3rverServer();
        var prefix = await s3.UploadAsync(TrainShards, "runs/train");
        // The run's credentials come from the SDK's default chain: here, the environment it inherits.
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", S3rverServer.AccessKey);
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", S3rverServer.SecretKey);
        var s3Settings = $"s3 {{ endpoint = {JsonSerializer.Serialize(s3.Endpoint)}, region = us-east-1, force-path-style = on }}";
        var (config, remote) = Fresh("s3", RemoteData([prefix], s3Settings));
        TinyRun.RunToEnd(config, remote);

        AssertSameWeights(local, remote);
    }

    [Fact]
    public async Task A_run_killed_in_the_middle_of_a_download_resumes_and_equals_the_uninterrupted_run()
    {
        await WriteDataAsync();
        var (localConfig, local) = Fresh("local");
        TinyRun.RunToEnd(localConfig, local);

        await using var server = await ShardHttpServer.StartAsync();
        var urls = server.ServeDirectory(TrainShards);
        // Stalls last until the process dies: the kill always finds a download under way.
        var (config, remote) = Fresh("killed", RemoteData(urls, "cache.stall-timeout = 10m"));
        var names = urls.Select(u => new Uri(u).AbsolutePath.TrimStart('/')).ToArray();
        using (var cli = CliProcess.Start("train", "--config", config, "--run-dir", remote))
        {
            cli.WaitUntil(() => TinyRun.JournalEvents(remote, "CheckpointCommitted") >= 1, "the first checkpoint", TinyRun.RunTimeout);
            var before = server.Requests.Count;
            foreach (var name in names) server.Arm(name, new Fault(FaultKind.Stall, AfterBytes: 2000));
            cli.WaitUntil(() => server.Requests.Skip(before).Any(r => r.Range == "bytes=0-"), "a download during training", TinyRun.RunTimeout);
            cli.Kill();
        }
        Assert.False(File.Exists(TinyRun.FinalStudent(remote, "distill")));
        server.Disarm(); // stalls that did not fire would hold the resumed run
        TinyRun.RunToEnd(config, remote);

        AssertSameWeights(local, remote);
    }

    public void Dispose()
    {
        TinyRun.RemoveTestDirectory(_directory);
    }
}
