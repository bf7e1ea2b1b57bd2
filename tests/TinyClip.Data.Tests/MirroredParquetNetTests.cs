using System.Reflection;
using Parquet;
using TinyClip.Data.Reading.Guard;

namespace TinyClip.Data.Tests;

/// <summary>The Parquet guard mirrors one Parquet.Net release's decoder; another release must be re-checked first.</summary>
public class MirroredParquetNetTests
{
    [Fact]
    public void The_guard_mirrors_the_Parquet_Net_version_in_use()
    {
        var informational = typeof(ParquetReader).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                            ?? typeof(ParquetReader).Assembly.GetName().Version!.ToString(3);
        var version = informational.Split('+')[0];
        Assert.True(version == MirroredParquetNet.Version,
            $"Parquet.Net is {version}, but TinyClip.Data.Reading.Guard mirrors the decoder of {MirroredParquetNet.Version}. Before changing " +
            "MirroredParquetNet.Version, re-check against the new release: the FileMetaData and PageHeader fields it reads and how it " +
            "reads them (ParquetFooterShape, ParquetPageHeaderShape), whether reads past the footer buffer still return endless 0xFF " +
            "bytes (PastEndGuardStream, ParquetFooterCheck), whether it still ignores wire types, and run ParquetFuzzTests.");
    }
}
