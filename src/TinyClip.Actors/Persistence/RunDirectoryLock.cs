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
            var handle = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            handle.SetLength(0);
            var pid = System.Text.Encoding.ASCII.GetBytes(Environment.ProcessId.ToString());
            handle.Write(pid);
            handle.Flush();
            return new RunDirectoryLock(handle);
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

    public void Dispose() => _handle.Dispose();
}
