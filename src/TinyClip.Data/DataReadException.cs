namespace TinyClip.Data;

/// <summary>
/// A row group could not be read because of I/O errors, every retry included. Nothing was quarantined: another node
/// may read the same file fine, and quarantining here would make the nodes train on different batches. The read
/// fails instead (in training: the feed, the step, then the supervisor's restart from the last checkpoint).
/// </summary>
public sealed class DataReadException(string file, int rowGroup, int attempts, Exception lastError)
    : Exception($"row group {rowGroup} of '{file}' could not be read in {attempts} attempts (an I/O error, so nothing was quarantined); the last error: {lastError.Message}", lastError)
{
    public string File { get; } = file;

    public int RowGroup { get; } = rowGroup;

    public int Attempts { get; } = attempts;
}
