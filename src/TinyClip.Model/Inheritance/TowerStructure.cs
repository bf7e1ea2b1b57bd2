namespace TinyClip.Model;

/// <summary>What a tower keeps under its deterministic masks (or after pruning), for status and reports.</summary>
public sealed record TowerStructure(
    string Tower,
    int HiddenWidth,
    int FullHiddenWidth,
    IReadOnlyList<int> HeadsPerLayer,
    IReadOnlyList<int> MlpWidthPerLayer,
    long ParametersBefore,
    long ParametersAfter)
{
    public override string ToString() =>
        $"{Tower}: width {HiddenWidth}/{FullHiddenWidth}, heads [{string.Join(" ", HeadsPerLayer)}], " +
        $"MLP [{string.Join(" ", MlpWidthPerLayer)}], params {ParametersBefore:N0} -> {ParametersAfter:N0} " +
        $"({100.0 * ParametersAfter / ParametersBefore:F1}%)";
}
