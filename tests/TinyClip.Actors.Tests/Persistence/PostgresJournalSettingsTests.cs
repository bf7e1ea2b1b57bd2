using System.Net;
using System.Net.Sockets;
using TinyClip.Actors.Configuration;
using TinyClip.Actors.Persistence;
using TinyClip.Configuration;

namespace TinyClip.Actors.Tests.Persistence;

/// <summary>tinyclip.persistence.postgresql, what run.json records of it, and the start-up check (no server needed).</summary>
public sealed class PostgresJournalSettingsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tinyclip-pg-settings-").FullName;

    private static PersistenceSettings Read(params string[] overrides) =>
        RunSettings.Read(TinyClipConfig.Overrides(overrides).WithFallback(TinyClipConfig.Reference)).Persistence;

    [Fact]
    public void The_postgresql_journal_is_read_with_its_settings()
    {
        var persistence = Read("tinyclip.persistence.journal=postgresql",
            "tinyclip.persistence.postgresql.connection-string=\"Host=db;Database=runs;Username=u\"", "tinyclip.persistence.postgresql.parallelism=4");
        Assert.Equal(JournalKind.PostgreSql, persistence.Journal);
        Assert.Equal(("Host=db;Database=runs;Username=u", 4), (persistence.PostgreSql.ConnectionString, persistence.PostgreSql.Parallelism));
        Assert.Equal(TimeSpan.FromSeconds(5), persistence.PostgreSql.ConnectTimeout);
    }

    [Theory]
    [InlineData("tinyclip.persistence.postgresql.connection-string", "tinyclip.persistence.journal=postgresql")]
    [InlineData("tinyclip.persistence.postgresql.connection-string", "tinyclip.persistence.journal=postgresql", "tinyclip.persistence.postgresql.connection-string=\"Host=x;Nonsense Key=1\"")]
    [InlineData("tinyclip.persistence.postgresql.parallelism", "tinyclip.persistence.postgresql.parallelism=0")]
    [InlineData("tinyclip.persistence.postgresql.connect-timeout", "tinyclip.persistence.postgresql.connect-timeout=soon")]
    [InlineData("tinyclip.persistence.postgresql.start-up-retries", "tinyclip.persistence.postgresql.start-up-retries=-1")]
    [InlineData("tinyclip.persistence.journal", "tinyclip.persistence.journal=mysql")]
    public void Invalid_values_name_their_key(string key, params string[] overrides)
    {
        var e = Assert.Throws<InvalidSettingException>(() => Read(overrides));
        Assert.Equal(key, e.Key);
    }

    [Fact]
    public void Run_json_records_the_connection_string_without_its_password()
    {
        var persistence = Read("tinyclip.persistence.journal=postgresql",
            "tinyclip.persistence.postgresql.connection-string=\"Host=127.0.0.1;Port=5433;Database=runs;Username=u;Password=hunter2\"");
        RunIdentity.For("tiny", "run:tiny", persistence).Write(_directory);
        Assert.DoesNotContain("hunter2", File.ReadAllText(Path.Combine(_directory, RunIdentity.FileName)));
        var identity = RunIdentity.Read(_directory);
        Assert.Equal(("postgresql", "run:tiny"), (identity.Journal, identity.PersistenceId));
        Assert.Equal("127.0.0.1:5433/runs", JournalConfig.PostgresLocation(identity.ConnectionString!));
    }

    [Fact]
    public void A_sqlite_run_json_has_no_connection_string_and_older_files_still_read()
    {
        RunIdentity.For("tiny", "run:tiny", Read()).Write(_directory);
        Assert.DoesNotContain("connection_string", File.ReadAllText(Path.Combine(_directory, RunIdentity.FileName)));
        File.WriteAllText(Path.Combine(_directory, RunIdentity.FileName), """{"name":"old","persistence_id":"run:old","journal":"sqlite"}""");
        Assert.Equal(new RunIdentity("old", "run:old", "sqlite"), RunIdentity.Read(_directory));
    }

    [Fact]
    public void A_closed_port_is_a_clear_error_without_the_password()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
        }
        var e = Assert.Throws<JournalUnavailableException>(() =>
            JournalConfig.PreparePostgres($"Host=127.0.0.1;Port={port};Database=runs;Username=u;Password=hunter2;Timeout=2", 1, TimeSpan.FromMilliseconds(10)));
        Assert.StartsWith($"cannot reach PostgreSQL at 127.0.0.1:{port}/runs: ", e.Message);
        Assert.DoesNotContain("hunter2", e.Message);
    }

    public void Dispose()
    {
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
