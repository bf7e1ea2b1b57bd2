namespace TinyClip.Data.Settings;

/// <summary>What fixes the sample order of an epoch (together with the manifest).</summary>
/// <param name="Seed">Shuffle and augmentation seed.</param>
/// <param name="BatchSize">Global batch N; every batch a trainer group sees has exactly N samples.</param>
/// <param name="WindowRowGroups">K: samples are shuffled within windows of K consecutive (shuffled) row groups; memory holds one window's encoded bytes per window in flight.</param>
public sealed record OrderSettings(
    long Seed = 0,
    int BatchSize = 64,
    int WindowRowGroups = 4);
