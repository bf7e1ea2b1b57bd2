using System.Text;
using System.Text.Json;
using TinyClip.Data;
using TinyClip.Data.Manifest;
using TinyClip.Data.Quarantine;
using TinyClip.Data.Remote;
using TinyClip.Data.Settings;
using TinyClip.Model;

namespace TinyClip.Actors.Runtime;

/// <summary>
/// A run's training manifest, built once: <c>manifest.json</c> in the run directory holds it with its content hash
/// and the files left out (with their reasons). The first process of a run builds and writes it; every other process,
/// and every restart, loads it and checks it against the files it finds itself, by name and size (a stat per file, no
/// footer read). Callers hold <c>prepare.lock</c>, so two processes never build it at the same time.
/// </summary>
public sealed class ManifestStore(string runDirectory)
{
    public string Path { get; } = System.IO.Path.Combine(runDirectory, "manifest.json");

    /// <summary>The stored manifest on this process's paths, or (when there is none) one built from the footers and stored.</summary>
    /// <returns>The manifest, and whether it was built now (else loaded).</returns>
    /// <exception cref="DataConfigurationException">The stored manifest is damaged, or the files here differ from it (the message names the first).</exception>
    public async Task<(DatasetManifest Manifest, bool Built)> LoadOrBuildAsync(IReadOnlyList<string> inputs, ColumnNames columns, QuarantineLog quarantine,
        FooterReads reads, CancellationToken cancellationToken)
    {
        if (File.Exists(Path)) return (Load(inputs), false);
        var built = await DatasetManifest.BuildAsync(inputs, columns, quarantine, reads, cancellationToken);
        AtomicFile.Write(Path, stream => stream.Write(Encoding.UTF8.GetBytes(built.ToJson())));
        return (built, true);
    }

    /// <summary>
    /// Remote shards: the stored manifest when it lists the same shards (a restart fetches no footer again), else the
    /// one <paramref name="build"/> makes from their footers, stored.
    /// </summary>
    /// <exception cref="DataConfigurationException">The stored manifest is damaged, or the shards listed now differ from it.</exception>
    public async Task<(DatasetManifest Manifest, bool Built)> LoadOrBuildRemoteAsync(IReadOnlyList<RemoteObject> shards, Func<Task<DatasetManifest>> build)
    {
        if (File.Exists(Path))
        {
            var stored = Read();
            if (RemoteManifestBuilder.FirstDifference(stored, shards) is { } difference)
                throw new DataConfigurationException($"the remote training data differs from the run's manifest ({Path}): {difference}. " +
                                                     "Use the data the run was started with, or a new run directory for this data");
            return (stored, false);
        }
        var built = await build();
        AtomicFile.Write(Path, stream => stream.Write(Encoding.UTF8.GetBytes(built.ToJson())));
        return (built, true);
    }

    private DatasetManifest Load(IReadOnlyList<string> inputs)
    {
        var stored = Read();
        var paths = DatasetFiles.Expand(inputs);
        if (ManifestComparison.FirstDifference(stored, paths) is { } difference)
            throw new DataConfigurationException($"the training data here differs from the run's manifest ({Path}): {difference}. " +
                                                 "Use the data the run was started with, or a new run directory for this data");
        return ManifestComparison.WithPathsOf(stored, paths);
    }

    /// <summary>The stored manifest, refused when it is not whole: its hash must be that of its files.</summary>
    private DatasetManifest Read()
    {
        const string remedy = "delete it to build the manifest again from the data";
        DatasetManifest stored;
        try
        {
            stored = DatasetManifest.FromJson(File.ReadAllText(Path));
        }
        catch (JsonException e)
        {
            throw new DataConfigurationException($"{Path} is not a readable manifest ({e.Message}); {remedy}");
        }
        if (stored.Files is null || stored.LeftOut is null || DatasetManifest.HashOf(stored.Files) != stored.ContentHash)
            throw new DataConfigurationException($"{Path} is damaged: its content hash is not that of the files it lists; {remedy}");
        return stored;
    }
}
