using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TinyClip.Actors.Feeding;
using TinyClip.Benchmarks.Harness;
using TinyClip.Data.Ordering;
using TinyClip.Data.Synthetic;

namespace TinyClip.Benchmarks.Benchmarks;

/// <summary>Samples per second out of the Akka.Streams feed (decode parallelism 1 and 2) against the bare decode loop on the same images.</summary>
public sealed class StreamThroughputBenchmark : IBenchmark
{
    private const int ImageSize = 64, RowGroupSize = 100, BatchSize = 32;

    public string Name => "stream";

    public async Task<BenchmarkSection> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        int rows = options.Pick(1600, 6400);
        int batches = rows / BatchSize;
        var section = new BenchmarkSection("3. Stream throughput (Akka.Streams feed)",
            $"{rows} synthetic {ImageSize} px samples in img2dataset shards (row groups of {RowGroupSize}, Snappy). *Feed*: `BatchFeed.RunToChannel` with the " +
            $"shipped stream settings except decode parallelism (1, then 2), batch {BatchSize}, model input {ImageSize} px; timed from materialising the graph to " +
            $"reading the last of {batches} batches off the channel (one epoch: Parquet reads, decode, crop, normalise, tokenise, batch assembly). " +
            "*Bare*: `Image.Load<Rgb24>` over the same JPEG bytes held in memory, one thread. " +
            $"One warm-up epoch each, then {options.Repeats} timed repeats, the three alternating; ratios per repeat.")
            .Columns("decode parallelism", "feed samples/s", "bare decode img/s", "feed / bare");

        using var scratch = new TempDirectory("stream");
        var synth = new SynthOptions(scratch.Path, rows, 0, ImageSize, Seed: 1);
        var train = await SyntheticShards.WriteAsync(scratch.Path, rows, ImageSize, RowGroupSize, cancellationToken);
        // The same bytes the shards hold: every synthetic row is a function of (seed, split, index).
        var jpegs = Enumerable.Range(0, rows).Select(i => SyntheticDataset.Row("train", 0, i, synth).Jpg!).ToArray();
        using var system = SyntheticShards.ActorSystem();

        int[] parallelisms = { 1, 2 };
        var feedRates = parallelisms.ToDictionary(p => p, _ => new List<double>());
        var bareRates = new List<double>();
        for (int r = -1; r < options.Repeats; r++)
        {
            foreach (var p in parallelisms)
            {
                double rate = rows / await FeedEpochAsync(train, p, batches, system, cancellationToken);
                if (r >= 0) feedRates[p].Add(rate);
            }
            double bare = rows / Stopwatches.Time(() =>
            {
                foreach (var jpeg in jpegs) { using var image = Image.Load<Rgb24>(jpeg); }
            });
            if (r >= 0) bareRates.Add(bare);
        }
        foreach (var p in parallelisms)
            section.Row(p.ToString(), Spread.Of(feedRates[p]).Format("F0"), Spread.Of(bareRates).Format("F0"),
                Spread.Of(feedRates[p].Zip(bareRates, (f, b) => f / b)).Format("F2"));
        section.Note($"The feed does the full sample work (see 2) on the decode dispatcher, so feed/bare at parallelism 1 is bounded by ours/bare of benchmark 2; " +
                     $"parallelism 2 can at best double it on a machine with 2 free cores (this one reports {Environment.ProcessorCount}).");
        return section;
    }

    private static async Task<double> FeedEpochAsync(string train, int parallelism, int batches, Akka.Actor.ActorSystem system, CancellationToken cancellationToken)
    {
        var settings = SyntheticShards.Settings(s => s with
        {
            Decode = s.Decode with { ImageSize = ImageSize },
            Order = s.Order with { BatchSize = BatchSize },
            Stream = s.Stream with { DecodeParallelism = parallelism },
        });
        var pipeline = await SyntheticShards.PipelineAsync(train, settings, cancellationToken);
        return await FeedEpoch.TimeAsync(pipeline, batches, system, cancellationToken);
    }
}
