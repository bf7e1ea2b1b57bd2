namespace TinyClip.Data.Packing;

/// <summary>What <c>tinyclip-data pack</c> packs and how the shards are cut.</summary>
public sealed record PackOptions(string ImagesDirectory, string CaptionsFile, string OutputDirectory, int RowsPerFile = 10_000, int RowGroupSize = 1_000);
