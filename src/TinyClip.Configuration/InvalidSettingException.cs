namespace TinyClip.Configuration;

/// <summary>A configuration value that cannot be used; the message names the HOCON key and the problem.</summary>
public sealed class InvalidSettingException(string key, string problem)
    : Exception($"Invalid setting '{key}': {problem}")
{
    public string Key { get; } = key;
}
