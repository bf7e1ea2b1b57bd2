using TinyClip.Data.Imaging;

namespace TinyClip.Data.Tests;

/// <summary>Pixel arrays are reused after they are returned, never more of them kept than asked, and never a stranger.</summary>
public sealed class PixelBuffersTests
{
    [Fact]
    public void A_returned_array_is_rented_again_and_the_pool_keeps_at_most_its_retained_count()
    {
        var pool = new PixelBuffers(length: 12, retained: 2);
        var (a, b, c) = (pool.Rent(), pool.Rent(), pool.Rent());
        Assert.All(new[] { a, b, c }, buffer => Assert.Equal(12, buffer.Length));
        Assert.False(ReferenceEquals(a, b) || ReferenceEquals(b, c) || ReferenceEquals(a, c));
        pool.Return(a);
        pool.Return(b);
        pool.Return(c); // a third free array is left to the GC
        // Arrays compare by reference here: xUnit's equality would compare their (all-zero) contents.
        Assert.Same(b, pool.Rent());
        Assert.Same(a, pool.Rent());
        var fresh = pool.Rent();
        Assert.DoesNotContain(new[] { a, b, c }, kept => ReferenceEquals(kept, fresh));
    }

    [Fact]
    public void An_array_of_another_length_is_refused()
    {
        var pool = new PixelBuffers(length: 12, retained: 2);
        Assert.Throws<ArgumentException>(() => pool.Return(new byte[13]));
    }
}
