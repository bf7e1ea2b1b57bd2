using TinyClip.Data.Imaging;
using TinyClip.Data.Quarantine;
using TinyClip.Data.Settings;
using TinyClip.Data.Text;

namespace TinyClip.Data.Pipeline;

/// <summary>
/// Decode, transform and tokenise one candidate (pixels stay bytes; the trainer normalises them). Never throws for bad data: any failure
/// becomes a <see cref="ProcessedSample"/> with a reason, recorded in the quarantine log.
/// Thread-safe; the result depends only on the candidate, the settings and the seed.
/// </summary>
public sealed class SampleProcessor
{
    private readonly DecodeSettings _settings;
    private readonly ImageDecoder _decoder;
    private readonly RandomResizedCrop _trainCrop;
    private readonly ResizeCenterCrop _evalCrop;
    private readonly ICaptionTokenizer _tokenizer;
    private readonly QuarantineLog _quarantine;
    private readonly PipelineCounters _counters;
    private readonly TransformMode _mode;
    private readonly long _seed;
    private readonly PixelBuffers _buffers;

    /// <param name="samplesInFlight">Decoded samples not yet copied into a batch, at most: the pixel arrays kept for reuse.</param>
    public SampleProcessor(DecodeSettings settings, long seed, TransformMode mode, ICaptionTokenizer tokenizer, QuarantineLog quarantine, PipelineCounters counters,
        int samplesInFlight)
    {
        _settings = settings;
        _decoder = new ImageDecoder(settings);
        _trainCrop = new RandomResizedCrop(settings.ImageSize, settings.MinScale, settings.MaxScale);
        _evalCrop = new ResizeCenterCrop(settings.ImageSize);
        _tokenizer = tokenizer;
        _quarantine = quarantine;
        _counters = counters;
        _mode = mode;
        _seed = seed;
        _buffers = new PixelBuffers(3 * settings.ImageSize * settings.ImageSize, samplesInFlight);
    }

    public ProcessedSample Process(SampleCandidate candidate)
    {
        var raw = candidate.Raw;
        if (raw.SkipReason is not null)
        {
            _counters.SampleFailed();
            return new ProcessedSample(candidate, null, null, raw.SkipReason);
        }
        try
        {
            var pixels = DecodeImage(raw.Image!, candidate.Epoch, raw.SampleId);
            // A labelled image without a caption (an evaluation set for zero-shot only) has no tokens.
            var tokens = raw.Caption is null ? [] : _tokenizer.Encode(raw.Caption, _settings.ContextLength);
            if (raw.Caption is not null && tokens.Length != _settings.ContextLength)
                throw new InvalidOperationException($"tokenizer returned {tokens.Length} ids, expected {_settings.ContextLength}");
            _counters.SampleDecoded();
            return new ProcessedSample(candidate, pixels, tokens, null, _buffers);
        }
        catch (Exception e)
        {
            var reason = $"{e.GetType().Name}: {e.Message}";
            _quarantine.Record(new QuarantineEntry(raw.File, raw.Key, raw.Row, reason, QuarantineKind.Sample));
            _counters.SampleFailed();
            return new ProcessedSample(candidate, null, null, reason);
        }
    }

    private byte[] DecodeImage(byte[] bytes, int epoch, long sampleId)
    {
        using var image = _decoder.Decode(bytes);
        if (_mode == TransformMode.Train)
            _trainCrop.Apply(image, new DeterministicRandom(DeterministicRandom.Mix(_seed, epoch, sampleId)));
        else
            _evalCrop.Apply(image);
        var pixels = _buffers.Rent();
        ChwPixels.Write(image, pixels);
        return pixels;
    }
}
