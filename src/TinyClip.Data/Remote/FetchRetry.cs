namespace TinyClip.Data.Remote;

/// <summary>
/// Retries a request that failed in a way that may pass (<see cref="TransientFetchException"/>), waiting
/// <paramref name="firstBackoff"/> before the first retry and twice as long before each next one; after the last retry
/// it throws <see cref="ShardFetchException"/> naming the URL. Refusals (<see cref="ShardFetchException"/>) pass at once.
/// </summary>
/// <param name="delay">How to wait (default <see cref="Task.Delay(TimeSpan, CancellationToken)"/>).</param>
public sealed class FetchRetry(int retries, TimeSpan firstBackoff, Func<TimeSpan, CancellationToken, Task>? delay = null)
{
    private readonly Func<TimeSpan, CancellationToken, Task> _delay = delay ?? Task.Delay;

    public int Retries { get; } = retries;

    /// <param name="attempt">One try, told its number (from 1).</param>
    public async Task<T> RunAsync<T>(string url, Func<int, CancellationToken, Task<T>> attempt, CancellationToken cancellationToken)
    {
        var backoff = firstBackoff;
        for (var number = 1; ; number++)
        {
            try
            {
                return await attempt(number, cancellationToken);
            }
            catch (TransientFetchException e) when (number > Retries)
            {
                throw new ShardFetchException(url, number, $"'{url}' is unreachable after {number} attempts; the last error: {e.Message}", e);
            }
            catch (TransientFetchException)
            {
                // Dropped connections, stalls and 5xx answers often pass: wait, then try again.
            }
            await _delay(backoff, cancellationToken);
            backoff *= 2;
        }
    }
}
