using Akka.Configuration;
using TinyClip.Actors.Runtime;
using TinyClip.Configuration;

namespace TinyClip.Actors.Tests.Runtime;

/// <summary>The malloc-arena cap reaches glibc, 0 leaves glibc alone, and a value glibc would misread is refused.</summary>
public sealed class MallocArenasTests
{
    private static Config With(string value) => ConfigurationFactory.ParseString($"tinyclip.malloc-arenas = {value}").WithFallback(TinyClipConfig.Reference);

    [Fact]
    public void The_shipped_cap_is_accepted_by_glibc_and_zero_sets_nothing()
    {
        Assert.True(OperatingSystem.IsLinux(), "the suite runs on Linux with glibc, where the cap applies");
        Assert.True(MallocArenas.Apply(TinyClipConfig.Reference));
        Assert.False(MallocArenas.Apply(With("0")));
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("many")]
    public void A_bad_cap_is_refused_with_its_key(string value)
    {
        var error = Assert.Throws<InvalidSettingException>(() => MallocArenas.Apply(With(value)));
        Assert.Contains("tinyclip.malloc-arenas", error.Message);
    }
}
