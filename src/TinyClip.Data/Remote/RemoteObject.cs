namespace TinyClip.Data.Remote;

/// <summary>A shard as a listing or an index file names it; size and SHA-256 are null when the source does not give them.</summary>
public sealed record RemoteObject(string Url, long? Size, string? Sha256);
