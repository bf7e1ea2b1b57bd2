using System.Runtime.InteropServices;
using Akka.Configuration;
using TinyClip.Configuration;

namespace TinyClip.Actors.Runtime;

/// <summary>
/// Caps glibc's malloc arenas (<c>tinyclip.malloc-arenas</c>). glibc gives a thread that finds the arenas busy one of
/// its own, up to eight per core, and each arena keeps the memory freed in it. The thread pool grows while decode work
/// blocks its threads, so resident memory grew with the length of a run: an evaluation of 20,000 images at 224 px
/// peaked 29% above one of 2,000 with glibc's default, 9% with two arenas (BENCHMARKS.md, section 13).
/// </summary>
public static class MallocArenas
{
    private const int ArenaMax = -8; // M_ARENA_MAX in glibc's malloc.h

    // DllImport rather than LibraryImport: two ints need no marshalling, and LibraryImport would make the project unsafe.
    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int MallOpt(int parameter, int value);

    /// <summary>Applies the setting; 0 leaves glibc's default. Elsewhere than glibc on Linux it does nothing.</summary>
    /// <returns>Whether the limit was set.</returns>
    public static bool Apply(Config config)
    {
        int arenas = new SettingsReader(config, "tinyclip").Int("malloc-arenas", 0, 1024);
        if (arenas == 0 || !OperatingSystem.IsLinux()) return false;
        try { return MallOpt(ArenaMax, arenas) == 1; }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return false; } // not glibc (e.g. musl)
    }
}
