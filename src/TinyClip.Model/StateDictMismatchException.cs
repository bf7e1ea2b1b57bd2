namespace TinyClip.Model;

/// <summary>A state dict does not fit a model: the message names each offending key and both shapes.</summary>
public sealed class StateDictMismatchException(string message) : Exception(message);
