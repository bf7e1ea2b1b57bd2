using System.Buffers;

namespace TinyClip.Actors.Collectives;

/// <summary>
/// Message buffers of the node exchange, rented from the shared pool: a received message lives only until the leader
/// has added or copied it, so its array goes straight back instead of becoming garbage every step.
/// </summary>
public static class PooledFloats
{
    public static ArraySegment<float> Rent(int length) => new(length == 0 ? Array.Empty<float>() : ArrayPool<float>.Shared.Rent(length), 0, length);

    public static void Release(ArraySegment<float> values)
    {
        if (values.Array is { Length: > 0 } array) ArrayPool<float>.Shared.Return(array);
    }
}
