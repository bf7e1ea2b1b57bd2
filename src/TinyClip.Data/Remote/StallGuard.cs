namespace TinyClip.Data.Remote;

/// <summary>
/// Reads a response body, failing a read that delivers nothing for <paramref name="stallTimeout"/> with
/// <see cref="TransientFetchException"/> (a stalled server would otherwise hold the download for ever). Errors of the
/// connection itself (reset, closed early) come out as <see cref="TransientFetchException"/> too.
/// </summary>
internal static class StallGuard
{
    public static async Task<int> ReadAsync(Stream body, Memory<byte> buffer, TimeSpan stallTimeout, string url, CancellationToken cancellationToken)
    {
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stall.CancelAfter(stallTimeout);
        try
        {
            return await body.ReadAsync(buffer, stall.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TransientFetchException($"{url}: no byte for {stallTimeout.TotalSeconds:0.###} s (stalled)");
        }
        catch (Exception e) when (e is IOException and not TransientFetchException and not ShardFetchException || e is HttpRequestException)
        {
            throw new TransientFetchException($"{url}: {e.Message}", e);
        }
    }
}
