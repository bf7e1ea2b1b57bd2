namespace TinyClip.Data.Text;

/// <summary>What merging one pair of adjacent symbols does: its priority (lower merges first) and the resulting id.</summary>
internal readonly record struct BpeMergeRule(int Rank, int MergedId);
