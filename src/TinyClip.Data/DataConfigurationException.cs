namespace TinyClip.Data;

/// <summary>A configuration mistake (no files, no usable layout, impossible settings), raised before training starts.</summary>
public sealed class DataConfigurationException(string message) : Exception(message);
