namespace TinyClip.Data.Remote;

/// <summary>A request failed in a way that may pass on another try: dropped, truncated, stalled, or a 5xx/429 answer.</summary>
public sealed class TransientFetchException(string message, Exception? cause = null) : IOException(message, cause);
