namespace TinyClip.Actors.Collectives;

/// <summary>The fixed part of a data frame.</summary>
internal readonly record struct FrameHeader(long Step, int Call, CollectivePart Part, int Total, int Offset, int Count, int PhaseBytes);
