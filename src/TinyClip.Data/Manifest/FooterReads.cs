using TinyClip.Data.Settings;

namespace TinyClip.Data.Manifest;

/// <summary>
/// How <see cref="DatasetManifest.BuildAsync(IEnumerable{string}, ColumnNames, Quarantine.QuarantineLog, FooterReads, CancellationToken)"/>
/// reads footers: how many at the same time, and how a file is opened. Runs open the file itself; a benchmark or a
/// test opens it through a function of its own (added latency, a failing open, a count of opens).
/// </summary>
public sealed record FooterReads(int ParallelReads, Func<string, CancellationToken, Task<Stream>> Open)
{
    public static FooterReads FromFiles(ManifestSettings settings) => new(settings.ParallelReads, OpenFile);

    private static Task<Stream> OpenFile(string path, CancellationToken cancellationToken) =>
        Task.FromResult<Stream>(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read));
}
