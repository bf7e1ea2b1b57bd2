namespace TinyClip.Data.Quarantine;

/// <summary>
/// 64 bits that stand for an entry's (file, row, kind), so that <see cref="QuarantineLog"/> remembers what it wrote in
/// 8 bytes per distinct entry instead of the entry itself. Two of n distinct entries share a fingerprint with
/// probability about n²/2^65 (one in 30 million for a million entries); the second would then not be written.
/// </summary>
public static class QuarantineFingerprint
{
    public static ulong Of(QuarantineEntry entry) =>
        DeterministicRandom.Mix((long)Hash(entry.File), entry.Row ?? long.MinValue, (long)Hash(entry.Kind));

    /// <summary>FNV-1a over the UTF-16 code units; <see cref="DeterministicRandom.Mix"/> then spreads its bits.</summary>
    private static ulong Hash(string text)
    {
        var hash = 0xCBF29CE484222325UL;
        foreach (var c in text) hash = (hash ^ c) * 0x100000001B3UL;
        return hash;
    }
}
