using TinyClip.Data;

namespace TinyClip.DataTools;

/// <summary>Turns configuration mistakes (missing paths, bad columns) into one clear line and exit code 2 instead of a stack trace.</summary>
public static class UserErrors
{
    public static async Task<int> Report(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (DataConfigurationException e)
        {
            await Console.Error.WriteLineAsync($"tinyclip-data: {e.Message}");
            return 2;
        }
    }
}
