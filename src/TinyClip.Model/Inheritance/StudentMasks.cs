namespace TinyClip.Model;

/// <summary>The masks of both towers for one forward: pass <see cref="Image"/> to EncodeImage and <see cref="Text"/> to EncodeText.</summary>
public sealed record StudentMasks(TowerMasks Image, TowerMasks Text);
