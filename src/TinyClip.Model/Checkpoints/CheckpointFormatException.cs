namespace TinyClip.Model;

/// <summary>A checkpoint is malformed. <see cref="Source"/> is the file (or "state dict"), <see cref="Key"/> the tensor concerned, if any.</summary>
public sealed class CheckpointFormatException(string source, string? key, string problem)
    : Exception(key is null ? $"{source}: {problem}" : $"{source}: tensor '{key}': {problem}")
{
    public string CheckpointPath { get; } = source;
    public string? Key { get; } = key;
    public string Problem { get; } = problem;
}
