using TinyClip.Data.Manifest;
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
    private EvaluationSet(ImageRows images, int[] tokens, int[]? labels, int count, int imageSize, int contextLength,
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

    /// <summary>CHW bytes, normalised when encoded.</summary>
    public ImageRows Images { get; }
    public int[] Tokens { get; }
    public int[]? Labels { get; }
    public int Count { get; }
    public int ImageSize { get; }
    public int ContextLength { get; }
    public IReadOnlyList<string> Classes { get; }
    public IReadOnlyList<string> Templates { get; }

    /// <summary>
    /// Reads every usable sample of the split once, in manifest order (the first <paramref name="maxSamples"/>
    /// when that is positive); rows that fail to decode are skipped and quarantined as in training.
    /// </summary>
    public static async Task<EvaluationSet> LoadAsync(IReadOnlyList<string> inputs, string classesFile, string templatesFile,
        DataSettings data, ICaptionTokenizer tokenizer, int imageSize, int contextLength, int maxSamples, int readBatch,
        QuarantineLog quarantine, CancellationToken cancellationToken = default)
    {
        var classes = ReadLines(classesFile, "classes");
        var templates = templatesFile.Length > 0 ? ReadLines(templatesFile, "templates") : new[] { "a photo of a {}." };
        var manifest = await DatasetManifest.BuildAsync(inputs, data.Columns, quarantine, FooterReads.FromFiles(data.Manifest), cancellationToken);
        var settings = data with
        {
            Decode = data.Decode with { ImageSize = imageSize, ContextLength = contextLength },
            Order = data.Order with { BatchSize = readBatch },
        };
        var reader = new EvaluationReader(manifest, settings, tokenizer, quarantine);
        var images = new List<ImageRows>();
        var tokens = new List<int>();
        var labels = new List<int>();
        bool withLabels = true;
        int count = 0;
        int limit = maxSamples > 0 ? maxSamples : int.MaxValue;
        await foreach (var batch in reader.ReadAsync(cancellationToken))
        {
            int take = Math.Min(batch.Count, limit - count);
            images.Add(batch.Images.Slice(0, take));
            tokens.AddRange(batch.Tokens.AsSpan(0, take * contextLength).ToArray());
            if (batch.Labels is null) withLabels = false;
            else labels.AddRange(batch.Labels.Take(take));
            count += take;
            if (count >= limit) break;
        }
        if (count == 0) throw new InvalidDataException($"the evaluation data ({string.Join(", ", inputs)}) has no usable sample");
        return new EvaluationSet(ImageRows.Concat(imageSize, images), tokens.ToArray(), withLabels ? labels.ToArray() : null, count,
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
