using Akka.Configuration;
using Akka.TestKit.Xunit2;
using TinyClip.Actors.Feeding;
using TinyClip.Configuration;
using TinyClip.Data;
using TinyClip.Data.Ordering;
using TinyClip.Data.Pipeline;

namespace TinyClip.Actors.Tests.Feeding;

public sealed class BatchFeedTests() : TestKit(FeedFixture.DataConfig()), IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tinyclip-feed-").FullName;

    [Fact]
    public async Task The_graph_yields_exactly_the_batches_of_the_pull_source_from_any_cursor()
    {
        await FeedFixture.WriteShardsAsync(_directory, files: 3, rowsPerFile: 20);
        var pipeline = await FeedFixture.PipelineAsync(_directory, Sys.Settings.Config);
        // 60 rows, 6 corrupt, in 12 row groups; N = 6 gives 6 lanes of one slot and 2 row groups an epoch each:
        // 20 batches take every lane through its share of epoch 0 and into epoch 1.
        Assert.Equal(6, pipeline.Layout.Lanes);
        var whole = RowRange.All(6);
        var expected = await TakeAsync(new SampleSource(pipeline).ReadAsync(pipeline.Start), 20);

        var streamed = await ReadAsync(BatchFeed.RunToChannel(pipeline, pipeline.Start, whole, Sys), 20);
        var resumed = await ReadAsync(BatchFeed.RunToChannel(pipeline, expected[6].Next, whole, Sys), 13);

        Assert.Equal(expected.Select(b => b.Cursor), streamed.Select(b => b.Cursor));
        Assert.Equal(expected.SelectMany(b => b.SampleIds), streamed.SelectMany(b => b.SampleIds));
        Assert.Equal(expected.SelectMany(b => b.Images.ToArray()), streamed.SelectMany(b => b.Images.ToArray()));
        Assert.Equal(expected.Skip(7).SelectMany(b => b.SampleIds), resumed.SelectMany(b => b.SampleIds));
        Assert.Contains(expected, b => b.Next.Epoch == 1);
    }

    [Fact]
    public async Task A_nodes_graph_reads_only_the_lanes_of_its_rows_and_yields_those_rows_of_every_batch()
    {
        await FeedFixture.WriteShardsAsync(_directory, files: 3, rowsPerFile: 20);
        var everything = await FeedFixture.PipelineAsync(_directory, Sys.Settings.Config);
        var node = await FeedFixture.PipelineAsync(_directory, Sys.Settings.Config);
        var rows = new RowRange(2, 4); // lanes 2 and 3 of 6

        var expected = await ReadAsync(BatchFeed.RunToChannel(everything, everything.Start, RowRange.All(6), Sys), 12);
        var streamed = await ReadAsync(BatchFeed.RunToChannel(node, node.Start, rows, Sys), 12);

        Assert.Equal(expected.Select(b => b.Slice(rows).SampleIds), streamed.Select(b => b.SampleIds));
        Assert.Equal(expected.Select(b => b.Slice(rows).Images.ToArray()), streamed.Select(b => b.Images.ToArray()));
        Assert.All(streamed, b => Assert.Equal([2, 3], b.Lanes.Select(l => l.Lane)));
        // The node decodes its 2 lanes of 6 (plus what the stream decodes ahead): about a third of the work.
        Assert.InRange(node.Counters.SamplesDecoded + node.Counters.SamplesFailed, 24, (everything.Counters.SamplesDecoded + everything.Counters.SamplesFailed) / 2);
        Assert.InRange(node.Counters.BytesRead, 1, everything.Counters.BytesRead / 2);
    }

    [Fact]
    public async Task A_slow_trainer_holds_the_stream_back_and_memory_stays_within_the_configured_bounds()
    {
        // 200 rows in 40 row groups: far more than the in-flight bound.
        await FeedFixture.WriteShardsAsync(_directory, files: 4, rowsPerFile: 50);
        var pipeline = await FeedFixture.PipelineAsync(_directory, Sys.Settings.Config,
            s => s with { Stream = s.Stream with { ReadAheadWindows = 1, BatchesInFlight = 2, DecodeParallelism = 3 } });
        var feed = BatchFeed.RunToChannel(pipeline, pipeline.Start, RowRange.All(pipeline.Layout.BatchSize), Sys);

        for (var consumed = 1; consumed <= 40; consumed++)
        {
            await feed.Batches.ReadAsync();
            // Pacing only (no assertion on time): give the producer the chance to run ahead if it could.
            await Task.Delay(5);
            var ahead = pipeline.Counters.BatchesAssembled - consumed;
            // Channel capacity, plus one batch held by the channel sink while it waits for room.
            Assert.True(ahead <= 2 + 1, $"{ahead} batches ahead of the trainer");
        }
        feed.Stop();

        // Per lane: (read-ahead + 1) windows of K = 2 row groups, and decode-parallelism samples plus one at each stage boundary.
        var counters = pipeline.Counters;
        var lanes = pipeline.Layout.Lanes;
        Assert.True(counters.PeakRowGroupsResident <= lanes * (1 + 1) * 2, $"peak row groups {counters.PeakRowGroupsResident} for {lanes} lanes");
        Assert.True(counters.PeakDecodedSamplesAlive <= lanes * (3 + 2), $"peak decoded samples {counters.PeakDecodedSamplesAlive} for {lanes} lanes");
    }

    [Fact]
    public async Task A_dataset_without_one_usable_batch_fails_the_channel_instead_of_hanging()
    {
        var options = new Data.Synthetic.SynthOptions(_directory, 8, 0, ImageSize: 16);
        var rows = Enumerable.Range(0, 8).Select(i => Data.Synthetic.SyntheticDataset.Row("train", 0, i, options) with { Jpg = [1, 2, 3] }).ToArray();
        await Data.Writing.Img2DatasetWriter.WriteAsync(Path.Combine(_directory, "bad.parquet"), rows, rowGroupSize: 4);
        var pipeline = await FeedFixture.PipelineAsync(_directory, Sys.Settings.Config);

        var feed = BatchFeed.RunToChannel(pipeline, pipeline.Start, RowRange.All(pipeline.Layout.BatchSize), Sys);

        var error = await Assert.ThrowsAnyAsync<Exception>(async () => await feed.Batches.ReadAsync());
        Assert.Contains("has no usable sample in its share of epoch 0", error.ToString());
    }

    [Fact]
    public async Task A_missing_decode_dispatcher_is_a_configuration_error()
    {
        await FeedFixture.WriteShardsAsync(_directory, files: 1, rowsPerFile: 10);
        var pipeline = await FeedFixture.PipelineAsync(_directory, Sys.Settings.Config,
            s => s with { Stream = s.Stream with { DecodeDispatcher = "no-such-dispatcher" } });
        var error = Assert.Throws<DataConfigurationException>(() => BatchFeed.Create(pipeline, pipeline.Start, RowRange.All(pipeline.Layout.BatchSize), Sys));
        Assert.Contains("no-such-dispatcher", error.Message);
    }

    [Fact]
    public void The_shipped_hocon_detects_columns_and_names_a_dispatcher_that_exists()
    {
        var settings = DataSettingsConfig.FromConfig(FeedFixture.DataConfig());
        Assert.Equal(new Data.Settings.ColumnNames(), settings.Columns);
        Assert.True(Sys.Dispatchers.HasDispatcher(settings.Stream.DecodeDispatcher));
        Assert.Throws<DataConfigurationException>(() => DataSettingsConfig.FromConfig(Layer("tinyclip.data.order.batch-size = 0")));
    }

    [Fact]
    public void Every_data_setting_is_read_from_hocon()
    {
        var settings = DataSettingsConfig.FromConfig(Layer("""
            tinyclip.data {
              columns { image = img, caption = txt, key = k, label = y }
              decode { image-size = 32, context-length = 16, max-pixels = 1000, allocation-limit-mb = 8, min-scale = 0.5, max-scale = 0.8 }
              order { seed = 3, batch-size = 8, window-row-groups = 2, lanes = 4 }
              stream { read-ahead-windows = 3, decode-parallelism = 5, batches-in-flight = 6, decode-dispatcher = d, quarantine-file = q.jsonl }
              stream { read-retries = 7, read-retry-backoff = 1s }
              manifest.parallel-reads = 9
              cache { dir = c, max-bytes = 1MiB, concurrent-downloads = 3, read-ahead-shards = 2, download-retries = 4, download-retry-backoff = 2s, stall-timeout = 5s }
              s3 { endpoint = "http://127.0.0.1:9", region = r, force-path-style = on }
            }
            """));
        Assert.Equal(new Data.Settings.DataSettings(new Data.Settings.ColumnNames("img", "txt", "k", "y"),
            new Data.Settings.DecodeSettings(32, 16, 1000, 8, 0.5, 0.8), new Data.Settings.OrderSettings(3, 8, 2, 4),
            new Data.Settings.StreamSettings(3, 5, 6, "d", "q.jsonl", 7, TimeSpan.FromSeconds(1)), new Data.Settings.ManifestSettings(9),
            new Data.Settings.CacheSettings("c", 1 << 20, 3, 2, 4, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5)),
            new Data.Settings.S3Settings("http://127.0.0.1:9", "r", true)), settings);
    }

    [Fact]
    public void A_data_setting_missing_from_the_configuration_is_named()
    {
        var error = Assert.Throws<InvalidSettingException>(() => DataSettingsConfig.FromConfig(ConfigurationFactory.ParseString("tinyclip.data.order.batch-size = 32")));
        Assert.StartsWith("Invalid setting 'tinyclip.data.columns.image': missing", error.Message);
    }

    /// <summary>A user's layer over reference.conf, as every configuration of the program is.</summary>
    private static Config Layer(string hocon) => ConfigurationFactory.ParseString(hocon).WithFallback(TinyClipConfig.Reference);

    [Fact]
    public void The_read_retry_settings_are_read_and_checked()
    {
        var stream = DataSettingsConfig.FromConfig(Layer("tinyclip.data.stream { read-retries = 2, read-retry-backoff = 1s }")).Stream;
        Assert.Equal((2, TimeSpan.FromSeconds(1)), (stream.ReadRetries, stream.ReadRetryBackoff));
        Assert.Throws<DataConfigurationException>(() => DataSettingsConfig.FromConfig(Layer("tinyclip.data.stream.read-retries = -1")));
        Assert.Throws<DataConfigurationException>(() => DataSettingsConfig.FromConfig(Layer("tinyclip.data.stream.read-retry-backoff = 2m")));
    }

    private static async Task<List<TrainingBatch>> TakeAsync(IAsyncEnumerable<TrainingBatch> batches, int count)
    {
        var list = new List<TrainingBatch>();
        await foreach (var batch in batches)
        {
            list.Add(batch);
            if (list.Count == count) break;
        }
        return list;
    }

    private static async Task<List<TrainingBatch>> ReadAsync(FeedHandle feed, int count)
    {
        var list = new List<TrainingBatch>();
        while (list.Count < count) list.Add(await feed.Batches.ReadAsync());
        feed.Stop();
        return list;
    }

    void IDisposable.Dispose()
    {
        Directory.Delete(_directory, recursive: true);
        Dispose();
    }
}
