namespace TinyClip.Data.Settings;

/// <summary>Bounds of the streaming pipeline; memory is a function of these, never of the dataset size.</summary>
/// <param name="ReadAheadWindows">Windows (of K row groups) read ahead of the decoder.</param>
/// <param name="DecodeParallelism">Samples decoded concurrently.</param>
/// <param name="BatchesInFlight">Assembled batches buffered ahead of the trainers (channel capacity).</param>
/// <param name="DecodeDispatcher">Akka dispatcher the decode stage runs on (CPU-heavy work kept off the default dispatcher).</param>
/// <param name="QuarantineFile">Where skipped samples and quarantined files are appended as JSON lines; null puts <c>quarantine.jsonl</c> in the run directory.</param>
/// <param name="ReadRetries">Retries of a row-group read that failed with an I/O error, before the read (and the training step) fails.</param>
/// <param name="ReadRetryBackoff">The wait before the first retry; it doubles before each next one.</param>
public sealed record StreamSettings(
    int ReadAheadWindows,
    int DecodeParallelism,
    int BatchesInFlight,
    string DecodeDispatcher,
    string? QuarantineFile,
    int ReadRetries,
    TimeSpan ReadRetryBackoff);
