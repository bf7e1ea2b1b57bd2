namespace TinyClip.Model;

/// <summary>A model's parameter counts as its authors publish them, in millions: image tower and text tower.</summary>
public sealed record PublishedParameterCounts(double ImageMillions, double TextMillions);
