using System.Text.Json;

namespace TinyClip.Cli;

/// <summary>How the commands' <c>--json</c> output is written: indented, one options instance for all.</summary>
public static class JsonOutput
{
    public static JsonSerializerOptions Indented { get; } = new() { WriteIndented = true };
}
