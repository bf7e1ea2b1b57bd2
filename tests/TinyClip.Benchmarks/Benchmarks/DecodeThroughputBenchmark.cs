using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;
using TinyClip.Benchmarks.Harness;
using TinyClip.Configuration;
using TinyClip.Data;
using TinyClip.Data.Imaging;
using TinyClip.Data.Settings;
using TinyClip.Data.Synthetic;

namespace TinyClip.Benchmarks.Benchmarks;

/// <summary>
/// Images per second per core of our sample processing (restricted decoder + RandomResizedCrop + CHW normalisation)
/// against a bare ImageSharp decode loop, and against Pillow when Debian's python3-pil is installed, on the same JPEG bytes.
/// </summary>
public sealed class DecodeThroughputBenchmark : IBenchmark
{
    // (source side, output side): the demo's 64 px, and 256 px sources cropped to CLIP's 224.
    private static readonly (int Source, int Output)[] Sizes = { (64, 64), (256, 224) };

    public string Name => "decode";

    public Task<BenchmarkSection> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        int images = options.Pick(150, 1000);
        bool pillow = PillowDecoder.IsInstalled();
        var section = new BenchmarkSection("2. Decode + transform throughput per core",
            $"{images} JPEGs per size painted by the synthetic-data painter (quality 92), held in memory. *Ours*: `ImageDecoder.Decode` " +
            "(restricted configuration, `Image.Identify` check, allocation cap) + `RandomResizedCrop` (scale 0.9–1, bicubic) + `ChwPixels`, " +
            "exactly what `SampleProcessor` does per sample minus tokenising, on one thread. *Bare*: `Image.Load<Rgb24>` with ImageSharp's default " +
            "configuration, nothing else. *Pillow*: `Image.open(BytesIO(b)).convert('RGB').load()` in python3, one thread, the same bytes. " +
            $"One warm-up pass, then {options.Repeats} timed passes over all images, ours and bare alternating so both see the same machine state; " +
            "the ours/bare ratio is taken per pass.")
            .Columns("source → output", "ours img/s", "bare ImageSharp img/s", "ours / bare", "Pillow img/s", "ours / Pillow");

        foreach (var (source, output) in Sizes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var jpegs = Enumerable.Range(0, images).Select(i => PaintJpeg(source, i)).ToArray();
            var decoder = new ImageDecoder(DataSettingsConfig.Reference.Decode with { ImageSize = output });
            var crop = new RandomResizedCrop(output, 0.9, 1.0);
            var pixels = new byte[3 * output * output];
            void Ours()
            {
                for (int i = 0; i < jpegs.Length; i++)
                {
                    using var image = decoder.Decode(jpegs[i]);
                    crop.Apply(image, new DeterministicRandom(DeterministicRandom.Mix(1, 0, i)));
                    ChwPixels.Write(image, pixels);
                }
            }
            void Bare()
            {
                foreach (var jpeg in jpegs)
                {
                    using var image = Image.Load<Rgb24>(jpeg);
                }
            }
            Ours();
            Bare();
            var ours = new List<double>();
            var bare = new List<double>();
            for (int r = 0; r < options.Repeats; r++)
            {
                ours.Add(images / Stopwatches.Time(Ours));
                bare.Add(images / Stopwatches.Time(Bare));
            }
            var ratio = Spread.Of(ours.Zip(bare, (o, b) => o / b));
            string pillowRate = "not installed", pillowRatio = "—";
            if (pillow)
            {
                using var folder = new TempDirectory("pillow");
                for (int i = 0; i < jpegs.Length; i++) File.WriteAllBytes(Path.Combine(folder.Path, $"{i:D6}.jpg"), jpegs[i]);
                var rates = Spread.Of(PillowDecoder.ImagesPerSecond(folder.Path, 1, options.Repeats));
                pillowRate = rates.Format("F0");
                pillowRatio = (Spread.Of(ours).Median / rates.Median).ToString("F2");
            }
            section.Row($"{source} px → {output} px", Spread.Of(ours).Format("F0"), Spread.Of(bare).Format("F0"), ratio.Format("F2"), pillowRate, pillowRatio);
        }
        section.Note(pillow
            ? "Pillow was measured with Debian's python3-pil; ours/Pillow is the ratio of medians (the two run in different processes, one after the other)."
            : "Pillow was not measured: python3-pil is not installed on this machine (`apt-get install python3-pil` adds it; the program then times it).");
        section.Note("Ours does more work than the bare loop (header check, crop, bicubic resize, normalisation), so ours/bare below 1 is mostly the cost " +
                     "of that work. What matters for training is whether decode parallelism x ours img/s exceeds the trainer's samples/s (benchmark 1).");
        return Task.FromResult(section);
    }

    private static byte[] PaintJpeg(int size, int index)
    {
        var scene = SyntheticScene.Draw(new DeterministicRandom(DeterministicRandom.Mix(3, 0, index)));
        using var image = SyntheticPainter.Paint(scene, size);
        using var stream = new MemoryStream();
        image.Save(stream, new JpegEncoder { Quality = 92 });
        return stream.ToArray();
    }
}
