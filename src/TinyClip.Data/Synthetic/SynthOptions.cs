namespace TinyClip.Data.Synthetic;

/// <summary>What <c>tinyclip-data synth</c> generates.</summary>
public sealed record SynthOptions(
    string OutputDirectory,
    int TrainCount,
    int ValCount,
    int ImageSize = 64,
    long Seed = 0,
    int RowsPerFile = 5000,
    int RowGroupSize = 500,
    double PositionJitter = SyntheticScene.MaxPositionJitter);
