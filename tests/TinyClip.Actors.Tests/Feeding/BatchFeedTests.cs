using Akka.Configuration;
using Akka.TestKit.Xunit2;
using TinyClip.Actors.Feeding;
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
        // 60 rows, 6 corrupt: 9 batches of 6 per epoch; 20 batches cross two epoch boundaries.
        var expected = await TakeAsync(new SampleSource(pipeline).ReadAsync(Cursor.StartOf(0)), 20);

        var streamed = await ReadAsync(BatchFeed.RunToChannel(pipeline, Cursor.StartOf(0), Sys), 20);
        var resumed = await ReadAsync(BatchFeed.RunToChannel(pipeline, expected[6].Next, Sys), 13);

        Assert.Equal(expected.Select(b => b.Cursor), streamed.Select(b => b.Cursor));
        Assert.Equal(expected.SelectMany(b => b.SampleIds), streamed.SelectMany(b => b.SampleIds));
        Assert.Equal(expected.SelectMany(b => b.Images), streamed.SelectMany(b => b.Images));
        Assert.Equal(expected.Skip(7).SelectMany(b => b.SampleIds), resumed.SelectMany(b => b.SampleIds));
        Assert.Contains(expected, b => b.Cursor.Epoch == 2);
    }

    [Fact]
    public async Task A_slow_trainer_holds_the_stream_back_and_memory_stays_within_the_configured_bounds()
    {
        // 200 rows in 40 row groups: far more than the in-flight bound.
        await FeedFixture.WriteShardsAsync(_directory, files: 4, rowsPerFile: 50);
        var pipeline = await FeedFixture.PipelineAsync(_directory, Sys.Settings.Config,
            s => s with { Stream = s.Stream with { ReadAheadWindows = 1, BatchesInFlight = 2, DecodeParallelism = 3 } });
        var feed = BatchFeed.RunToChannel(pipeline, Cursor.StartOf(0), Sys);

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

        var counters = pipeline.Counters;
        Assert.True(counters.PeakRowGroupsResident <= (1 + 1) * 2, $"peak row groups {counters.PeakRowGroupsResident}");
        Assert.True(counters.PeakDecodedSamplesAlive <= 3 + 2, $"peak decoded samples {counters.PeakDecodedSamplesAlive}");
    }

    [Fact]
    public async Task A_dataset_without_one_usable_batch_fails_the_channel_instead_of_hanging()
    {
        var options = new Data.Synthetic.SynthOptions(_directory, 8, 0, ImageSize: 16);
        var rows = Enumerable.Range(0, 8).Select(i => Data.Synthetic.SyntheticDataset.Row("train", 0, i, options) with { Jpg = [1, 2, 3] }).ToArray();
        await Data.Writing.Img2DatasetWriter.WriteAsync(Path.Combine(_directory, "bad.parquet"), rows, rowGroupSize: 4);
        var pipeline = await FeedFixture.PipelineAsync(_directory, Sys.Settings.Config);

        var feed = BatchFeed.RunToChannel(pipeline, Cursor.StartOf(0), Sys);

        var error = await Assert.ThrowsAnyAsync<Exception>(async () => await feed.Batches.ReadAsync());
        Assert.Contains("fewer than 6 usable samples", error.ToString());
    }

    [Fact]
    public async Task A_missing_decode_dispatcher_is_a_configuration_error()
    {
        await FeedFixture.WriteShardsAsync(_directory, files: 1, rowsPerFile: 10);
        var pipeline = await FeedFixture.PipelineAsync(_directory, Sys.Settings.Config,
            s => s with { Stream = s.Stream with { DecodeDispatcher = "no-such-dispatcher" } });
        var error = Assert.Throws<DataConfigurationException>(() => BatchFeed.Create(pipeline, Cursor.StartOf(0), Sys));
        Assert.Contains("no-such-dispatcher", error.Message);
    }

    [Fact]
    public void The_shipped_hocon_gives_the_documented_defaults()
    {
        var settings = DataSettingsConfig.FromConfig(FeedFixture.DataConfig());
        Assert.Equal(Data.Settings.DataSettings.Default with { Columns = settings.Columns }, settings);
        Assert.Equal(new Data.Settings.ColumnNames(), settings.Columns);
        Assert.True(Sys.Dispatchers.HasDispatcher(settings.Stream.DecodeDispatcher));
        var overridden = DataSettingsConfig.FromConfig(ConfigurationFactory.ParseString("tinyclip.data.order.batch-size = 32, tinyclip.data.columns.caption = title"));
        Assert.Equal((32, "title"), (overridden.Order.BatchSize, overridden.Columns.Caption));
        Assert.Throws<DataConfigurationException>(() => DataSettingsConfig.FromConfig(ConfigurationFactory.ParseString("tinyclip.data.order.batch-size = 0")));
    }

    [Fact]
    public void The_read_retry_settings_are_read_and_checked()
    {
        var stream = DataSettingsConfig.FromConfig(ConfigurationFactory.ParseString("tinyclip.data.stream { read-retries = 2, read-retry-backoff = 1s }")).Stream;
        Assert.Equal((2, TimeSpan.FromSeconds(1)), (stream.ReadRetries, stream.ReadRetryBackoff));
        Assert.Throws<DataConfigurationException>(() => DataSettingsConfig.FromConfig(ConfigurationFactory.ParseString("tinyclip.data.stream.read-retries = -1")));
        Assert.Throws<DataConfigurationException>(() => DataSettingsConfig.FromConfig(ConfigurationFactory.ParseString("tinyclip.data.stream.read-retry-backoff = 2m")));
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
