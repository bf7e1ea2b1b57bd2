namespace TinyClip.Data.Imaging;

/// <summary>
/// Reused arrays for one sample's CHW pixels. At 224 px a sample is 150 KB, above .NET's large-object threshold (85 KB):
/// a fresh array per sample lets the GC grow its large-object heap with the number of samples seen (a 5,000-image
/// evaluation ended with three times the managed heap of a 500-image one), where a few reused arrays keep it flat.
/// Thread-safe: decode threads rent, the thread that copies samples into batches returns.
/// </summary>
/// <param name="length">The length of every array (3 x side x side).</param>
/// <param name="retained">Free arrays kept at most; more returned ones are left to the GC.</param>
public sealed class PixelBuffers(int length, int retained)
{
    private readonly Stack<byte[]> _free = new();

    public byte[] Rent()
    {
        lock (_free)
            if (_free.TryPop(out var buffer)) return buffer;
        return new byte[length];
    }

    /// <summary>Takes the array back; the caller must not touch it afterwards.</summary>
    public void Return(byte[] buffer)
    {
        if (buffer.Length != length) throw new ArgumentException($"a buffer of {buffer.Length} bytes returned to a pool of {length}-byte buffers", nameof(buffer));
        lock (_free)
            if (_free.Count < retained) _free.Push(buffer);
    }
}
