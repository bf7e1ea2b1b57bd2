namespace TinyClip.Actors.Configuration;

/// <summary>The number format of the frozen teacher's forward: float32, or bfloat16 (weights cast once, outputs cast back to float32).</summary>
public enum TeacherPrecision { Fp32, Bf16 }
