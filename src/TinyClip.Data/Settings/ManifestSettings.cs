namespace TinyClip.Data.Settings;

/// <summary>How the training manifest is built.</summary>
/// <param name="ParallelReads">Parquet footers read at the same time: on a network filesystem the time per file is
/// mostly waiting for the open and the footer read, which overlap.</param>
public sealed record ManifestSettings(int ParallelReads);
