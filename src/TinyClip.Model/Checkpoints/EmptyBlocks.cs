namespace TinyClip.Model;

/// <summary>
/// A transformer block left with neither heads nor MLP neurons is the identity, and in OpenCLIP names it has no entries
/// at all, so its index would be a gap that shapes cannot explain (TinyCLIP keeps such a block visible through its
/// zero-width MLP; <see cref="EmptyMlpBias"/> removes that). Dropping the block and numbering the later ones down
/// computes exactly the same; the tower just has fewer layers.
/// </summary>
public static class EmptyBlocks
{
    static readonly string[] BlockPrefixes = ["visual.transformer.resblocks.", "transformer.resblocks."];

    /// <summary>Renames the blocks of each tower to 0..n-1 in their order, closing the gaps empty blocks leave.</summary>
    public static void CloseGaps<T>(Dictionary<string, T> state)
    {
        foreach (var prefix in BlockPrefixes)
        {
            var names = state.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).ToList();
            int IndexOf(string name) => int.Parse(name[prefix.Length..].Split('.')[0]);
            var order = names.Select(IndexOf).Distinct().Order().Select((old, rank) => (old, rank)).ToDictionary(p => p.old, p => p.rank);
            if (order.All(p => p.Key == p.Value)) continue;
            var moved = names.ToDictionary(n => n, n => state[n]);
            foreach (var name in names) state.Remove(name);
            foreach (var (name, value) in moved)
            {
                int old = IndexOf(name);
                state[$"{prefix}{order[old]}{name[(prefix.Length + old.ToString().Length)..]}"] = value;
            }
        }
    }

    /// <summary><paramref name="config"/> without its empty blocks, the architecture <see cref="CloseGaps"/> leaves.</summary>
    public static ClipConfig Without(ClipConfig config) => config with
    {
        Vision = config.Vision.IsResNet ? config.Vision : config.Vision with { Tower = Without(config.Vision.Tower) },
        Text = config.Text with { Tower = Without(config.Text.Tower) },
    };

    static TowerShape Without(TowerShape tower) =>
        new(tower.Width, tower.HeadWidth, tower.Blocks.Where(b => b.Heads > 0 || b.MlpWidth > 0).ToArray());
}
