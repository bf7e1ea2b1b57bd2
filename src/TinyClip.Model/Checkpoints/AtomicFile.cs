using System.Security.Cryptography;

namespace TinyClip.Model;

/// <summary>
/// Writes a file so that a crash at any moment leaves either the old state or the complete new file: the bytes go
/// to a temporary name in the same directory, are flushed to disk, then renamed over the target, and the directory
/// entry is flushed too. Returns the SHA-256 of what was written.
/// </summary>
public static class AtomicFile
{
    public static string Write(string path, Action<Stream> write)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        string sha256;
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        using (var hashing = new HashingStream(file))
        {
            write(hashing);
            hashing.Flush();
            file.Flush(flushToDisk: true);
            sha256 = hashing.HexDigest();
        }
        File.Move(temporary, path, overwrite: true);
        FlushDirectory(directory);
        return sha256;
    }

    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>fsync of the directory makes the rename itself durable (POSIX); a no-op where directories cannot be opened.</summary>
    private static void FlushDirectory(string directory)
    {
        if (OperatingSystem.IsWindows()) return;
        try
        {
            using var handle = File.OpenHandle(directory, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, FileOptions.None);
            RandomAccess.FlushToDisk(handle);
        }
        catch (UnauthorizedAccessException) { }
        catch (IOException) { }
    }
}
