namespace TinyClip.Actors.Persistence;

/// <summary>
/// An exclusive lock on a run directory (a held file handle, flock on Unix), so that two processes never write the
/// same journal and checkpoints. Released when the process ends, however it ends.
/// </summary>
public sealed class RunDirectoryLock : IDisposable
{
    private readonly FileStream _handle;

    private RunDirectoryLock(FileStream handle) => _handle = handle;

    public static RunDirectoryLock Acquire(string runDirectory)
    {
        Directory.CreateDirectory(runDirectory);
        var path = Path.Combine(runDirectory, "run.lock");
        try
        {
            return Open(path);
        }
        catch (IOException e)
        {
            string holder = "";
            try { holder = File.ReadAllText(path).Trim(); } catch (IOException) { }
            throw new JournalUnavailableException(
                $"The run directory '{runDirectory}' is in use by another process{(holder.Length > 0 ? $" (pid {holder})" : "")}; " +
                "wait for it to finish or choose another --run-dir.", e);
        }
    }

    /// <summary>
    /// Waits for the lock file <paramref name="name"/> in the run directory: used where several processes of one
    /// cluster run share the directory and must take turns (preparing data and tokenizer), not exclude each other.
    /// </summary>
    public static async Task<RunDirectoryLock> WaitForAsync(string runDirectory, string name, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(runDirectory);
        var path = Path.Combine(runDirectory, name);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try { return Open(path); }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
            }
            catch (IOException e)
            {
                throw new JournalUnavailableException($"'{path}' stayed locked by another process for {timeout}", e);
            }
        }
    }

    private static RunDirectoryLock Open(string path)
    {
        var handle = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        handle.SetLength(0);
        handle.Write(System.Text.Encoding.ASCII.GetBytes(Environment.ProcessId.ToString()));
        handle.Flush();
        return new RunDirectoryLock(handle);
    }

    public void Dispose() => _handle.Dispose();
}
