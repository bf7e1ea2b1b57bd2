namespace TinyClip.Data.Pipeline;

/// <summary>Train: seeded RandomResizedCrop. Eval: shorter-side resize + centre crop.</summary>
public enum TransformMode { Train, Eval }
