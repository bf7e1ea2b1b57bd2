using TinyClip.Data.Layouts;
using TinyClip.Data.Manifest;
using TinyClip.Data.Quarantine;
using TinyClip.Data.Reading;
using TinyClip.Data.Remote;
using TinyClip.Data.Settings;

namespace TinyClip.Actors.Evaluation;

/// <summary>
/// Remote val-paths: their manifest from footers (built once per process) and the cache their shards are read through:
/// the training cache when training is remote too (one limit for both), else one opened here in <paramref name="cacheDirectory"/>.
/// </summary>
public sealed class RemoteEvaluationData(RemoteAccess access, ShardCache? trainingCache, string cacheDirectory)
{
    private readonly object _gate = new();
    private Task<(DatasetManifest Manifest, IShardFiles Shards)>? _opened;

    /// <summary>The first call's work, shared by every later call (an evaluation opens its source each time it runs).</summary>
    public Task<(DatasetManifest Manifest, IShardFiles Shards)> OpenAsync(IReadOnlyList<string> inputs, DataSettings data, QuarantineLog quarantine,
        CancellationToken cancellationToken)
    {
        lock (_gate) return _opened ??= OpenOnceAsync(inputs, data, quarantine, cancellationToken);
    }

    private async Task<(DatasetManifest Manifest, IShardFiles Shards)> OpenOnceAsync(IReadOnlyList<string> inputs, DataSettings data, QuarantineLog quarantine,
        CancellationToken cancellationToken)
    {
        var shards = await RemoteInputs.ResolveAsync(inputs, access.Store, cancellationToken);
        var manifest = await RemoteManifestBuilder.BuildAsync(shards, data.Columns, DatasetUse.Evaluation, quarantine, access.FooterReader(),
            data.Manifest.ParallelReads, cancellationToken);
        IShardFiles files = trainingCache ?? access.OpenCache(cacheDirectory, data.Cache, manifest.Files, Console.WriteLine);
        return (manifest, files);
    }
}
