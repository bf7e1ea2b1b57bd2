using TinyClip.Data.Ordering;
using TinyClip.Data.Tests.Support;

namespace TinyClip.Data.Tests;

public class BoundedMemoryTests
{
    [Fact]
    public async Task Streaming_many_row_groups_keeps_resident_rows_and_decoded_samples_within_the_configured_bound()
    {
        using var dir = new TempDirectory();
        // 240 rows in 60 row groups of 4; window K = 2, so at most 2 row groups (8 rows) are resident.
        for (var f = 0; f < 4; f++) ParquetFiles.Img2Dataset(dir.File($"{f}.parquet"), ParquetFiles.GoodRows(60, $"f{f}-"), rowGroupSize: 4);
        var pipeline = await Pipelines.OpenAsync(dir.Path, Pipelines.Settings(batchSize: 8, window: 2, parallelism: 3));

        var batches = await Pipelines.TakeAsync(pipeline, pipeline.Start, 60);

        Assert.Equal(60, batches.Count);
        Assert.True(pipeline.Counters.PeakRowGroupsResident <= 2, $"peak row groups {pipeline.Counters.PeakRowGroupsResident}");
        Assert.True(pipeline.Counters.PeakDecodedSamplesAlive <= 3, $"peak decoded {pipeline.Counters.PeakDecodedSamplesAlive}");
        Assert.Equal(480, pipeline.Counters.SamplesDecoded);
    }
}
