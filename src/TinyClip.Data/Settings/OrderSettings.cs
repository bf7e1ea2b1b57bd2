namespace TinyClip.Data.Settings;

/// <summary>What fixes the sample order of an epoch (together with the manifest).</summary>
/// <param name="Seed">Shuffle and augmentation seed.</param>
/// <param name="BatchSize">Global batch N; every batch a trainer group sees has exactly N samples.</param>
/// <param name="WindowRowGroups">K: a lane shuffles its samples within windows of K consecutive row groups of its share; memory holds one window's encoded bytes per lane and window in flight.</param>
/// <param name="Lanes">L: each epoch's row groups are dealt to L lanes, lane j fills slots [j*N/L, (j+1)*N/L) of every batch; a node decodes only the lanes of its rows. Lowered to the row-group count and to N.</param>
public sealed record OrderSettings(
    long Seed,
    int BatchSize,
    int WindowRowGroups,
    int Lanes);
