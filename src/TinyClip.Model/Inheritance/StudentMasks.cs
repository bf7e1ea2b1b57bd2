namespace TinyClip.Model;

/// <summary>The masks of both towers for one forward: pass <see cref="Image"/> to EncodeImage and <see cref="Text"/> to EncodeText.</summary>
public sealed record StudentMasks(TowerMasks Image, TowerMasks Text) : IDisposable
{
    /// <summary>Frees every mask tensor of both towers (for masks made outside a dispose scope).</summary>
    public void Dispose()
    {
        foreach (var t in new[] { Image, Text }.SelectMany(m => new[] { m.Heads, m.Intermediate, m.Hidden }))
            t?.Dispose();
    }
}
