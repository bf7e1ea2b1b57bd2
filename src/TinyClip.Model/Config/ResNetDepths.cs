namespace TinyClip.Model;

/// <summary>
/// Bottleneck blocks in each of a ModifiedResNet's four stages (OpenCLIP's <c>vision_cfg.layers</c> list).
/// Every stage has at least one block: its first block changes the width and, from stage 2 on, halves the grid.
/// </summary>
public sealed record ResNetDepths(int Stage1, int Stage2, int Stage3, int Stage4)
{
    public const int StageCount = 4;

    public static ResNetDepths From(IReadOnlyList<int> depths) => depths.Count == StageCount
        ? new ResNetDepths(depths[0], depths[1], depths[2], depths[3])
        : throw new ArgumentException($"a ModifiedResNet has {StageCount} stages, got {depths.Count} depths [{string.Join(", ", depths)}]");

    public IReadOnlyList<int> AsList() => [Stage1, Stage2, Stage3, Stage4];

    public override string ToString() => $"[{string.Join(", ", AsList())}]";
}
