using TinyClip.Actors.Configuration;
using TinyClip.Actors.Persistence;
using TinyClip.Configuration;
using TinyClip.Data;
using TinyClip.Model;

namespace TinyClip.Cli;

/// <summary>
/// Turns the mistakes a user can fix (bad settings, missing or malformed files, a locked run directory) into one
/// clear line and exit code 2 instead of a stack trace.
/// </summary>
public static class CliErrors
{
    public static async Task<int> Report(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception e) when (e is InvalidSettingException or DataConfigurationException or JournalUnavailableException
                                      or CheckpointFormatException or StateDictMismatchException or FileNotFoundException
                                      or DirectoryNotFoundException or InvalidDataException or NotSupportedException)
        {
            await Console.Error.WriteLineAsync($"tinyclip: {e.Message}");
            return 2;
        }
    }
}
