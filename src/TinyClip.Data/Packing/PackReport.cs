namespace TinyClip.Data.Packing;

/// <summary>Outcome of packing: shards written, rows packed, and entries left out with the reason.</summary>
public sealed record PackReport(IReadOnlyList<string> Shards, int Packed, IReadOnlyList<(string ImagePath, string Reason)> Rejected);
