using TinyClip.Data.Settings;

namespace TinyClip.Data.Reading;

/// <summary>
/// Retries a row-group read that failed with an I/O error (<see cref="FileIoException"/>), waiting
/// <see cref="FirstBackoff"/> before the first retry and twice as long before each next one, and after the last retry
/// throws <see cref="DataReadException"/>. Any other error is the read's own business: damaged bytes read the same on
/// every try, so <see cref="RowGroupReader"/> quarantines them without retrying.
/// </summary>
/// <param name="retries">Tries after the first one.</param>
/// <param name="firstBackoff">The wait before the first retry.</param>
/// <param name="delay">How to wait (default <see cref="Task.Delay(TimeSpan, CancellationToken)"/>); tests record the waits instead.</param>
public sealed class ReadRetryPolicy(int retries, TimeSpan firstBackoff, Func<TimeSpan, CancellationToken, Task>? delay = null)
{
    private readonly Func<TimeSpan, CancellationToken, Task> _delay = delay ?? Task.Delay;

    /// <summary>The <c>stream.read-retries</c> and <c>stream.read-retry-backoff</c> settings, waiting for real.</summary>
    public static ReadRetryPolicy From(StreamSettings stream) => new(stream.ReadRetries, stream.ReadRetryBackoff);

    public int Retries { get; } = retries;

    public TimeSpan FirstBackoff { get; } = firstBackoff;

    /// <param name="file">The file being read, for the message.</param>
    /// <param name="rowGroup">The row group being read, for the message.</param>
    /// <param name="read">One attempt: it opens the file itself, so a retry starts from nothing.</param>
    /// <exception cref="DataReadException">Every attempt failed with an I/O error.</exception>
    public async Task<T> RunAsync<T>(string file, int rowGroup, Func<CancellationToken, Task<T>> read, CancellationToken cancellationToken = default)
    {
        var backoff = FirstBackoff;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await read(cancellationToken);
            }
            catch (FileIoException e) when (attempt > Retries)
            {
                throw new DataReadException(file, rowGroup, attempt, e);
            }
            catch (FileIoException)
            {
                // Transient I/O errors often pass: wait, then read again.
            }
            await _delay(backoff, cancellationToken);
            backoff *= 2;
        }
    }
}
