using TinyClip.Data.Manifest;
using TinyClip.Data.Ordering;
using TinyClip.Data.Pipeline;
using TinyClip.Data.Quarantine;
using TinyClip.Data.Settings;
using TinyClip.Data.Text;

namespace TinyClip.Actors.Evaluation;

/// <summary>
/// The held-out split, decoded once with the eval transform (shorter-side resize + centre crop): images, caption
/// tokens and labels, plus the class names and prompt templates of zero-shot classification.
/// </summary>
public sealed class EvaluationSet
{
    private EvaluationSet(float[] images, int[] tokens, int[]? labels, int count, int imageSize, int contextLength,
        IReadOnlyList<string> classes, IReadOnlyList<string> templates)
    {
        Images = images;
        Tokens = tokens;
        Labels = labels;
        Count = count;
        ImageSize = imageSize;
        ContextLength = contextLength;
        Classes = classes;
        Templates = templates;
    }

    public float[] Images { get; }
    public int[] Tokens { get; }
    public int[]? Labels { get; }
    public int Count { get; }
    public int ImageSize { get; }
    public int ContextLength { get; }
    public IReadOnlyList<string> Classes { get; }
    public IReadOnlyList<string> Templates { get; }

    /// <summary>
    /// Reads at most <paramref name="maxSamples"/> samples (0 = all) of one epoch in the split's seeded order.
    /// Only whole read batches are kept, so up to one batch of rows can be left out; rows that fail to decode are
    /// skipped (and quarantined) as in training.
    /// </summary>
    public static async Task<EvaluationSet> LoadAsync(IReadOnlyList<string> inputs, string classesFile, string templatesFile,
        DataSettings data, ICaptionTokenizer tokenizer, int imageSize, int contextLength, int maxSamples, int readBatch,
        QuarantineLog quarantine, CancellationToken cancellationToken = default)
    {
        var classes = ReadLines(classesFile, "classes");
        var templates = templatesFile.Length > 0 ? ReadLines(templatesFile, "templates") : new[] { "a photo of a {}." };
        var manifest = await DatasetManifest.BuildAsync(inputs, data.Columns, quarantine, cancellationToken);
        long available = maxSamples > 0 ? Math.Min(maxSamples, manifest.TotalRows) : manifest.TotalRows;
        int batch = (int)Math.Max(1, Math.Min(readBatch, available));
        long batches = available / batch;
        var settings = data with
        {
            Decode = data.Decode with { ImageSize = imageSize, ContextLength = contextLength },
            Order = data.Order with { BatchSize = batch },
        };
        var pipeline = new BatchPipeline(manifest, settings, tokenizer, quarantine, TransformMode.Eval);
        var images = new List<float>();
        var tokens = new List<int>();
        var labels = new List<int>();
        bool withLabels = pipeline.WithLabels;
        long read = 0;
        await foreach (var b in new SampleSource(pipeline).ReadAsync(Cursor.StartOf(0), cancellationToken))
        {
            if (b.Cursor.Epoch > 0 || read >= batches) break;
            images.AddRange(b.Images);
            tokens.AddRange(b.Tokens);
            if (withLabels) labels.AddRange(b.Labels!);
            read++;
        }
        return new EvaluationSet(images.ToArray(), tokens.ToArray(), withLabels ? labels.ToArray() : null, (int)(read * batch),
            imageSize, contextLength, classes, templates);
    }

    private static string[] ReadLines(string path, string what)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"the evaluation {what} file '{path}' does not exist", path);
        var lines = File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
        if (lines.Length == 0) throw new InvalidDataException($"the evaluation {what} file '{path}' is empty");
        return lines;
    }
}
