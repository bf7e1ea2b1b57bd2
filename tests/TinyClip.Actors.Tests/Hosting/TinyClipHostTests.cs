using Akka.Actor;
using ClusterActorRefProvider = Akka.Cluster.ClusterActorRefProvider;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Remote;
using Microsoft.Data.Sqlite;
using TinyClip.Actors.Cluster;
using TinyClip.Actors.Hosting;
using TinyClip.Actors.Persistence;
using TinyClip.Configuration;

namespace TinyClip.Actors.Tests.Hosting;

/// <summary>The actor systems the host builder starts for train, node and status, read back from the running system.</summary>
public sealed class TinyClipHostTests : IDisposable
{
    // A directory name with a quote, a backslash and '#': HOCON-significant characters that must reach SQLite unchanged.
    private readonly string _directory = Directory.CreateTempSubdirectory("tinyclip-host-").CreateSubdirectory("odd \"dir\\ #1").FullName;

    private string JournalPath => Path.Combine(_directory, "journal.db");

    private HostPlan SingleProcess => new("tinyclip", TinyClipConfig.Reference) { Journal = JournalDatabase.Sqlite(JournalPath, 5000) };

    [Fact]
    public async Task A_single_process_system_has_the_sqlite_journal_with_one_writer_and_the_users_log_settings()
    {
        var plan = SingleProcess;
        await using var host = await TinyClipHost.StartAsync(plan);
        var config = host.System.Settings.Config;

        Assert.IsType<LocalActorRefProvider>(((ExtendedActorSystem)host.System).Provider);
        Assert.Equal("akka.persistence.journal.sql", config.GetString("akka.persistence.journal.plugin"));
        Assert.Equal("akka.persistence.snapshot-store.sql", config.GetString("akka.persistence.snapshot-store.plugin"));
        foreach (var plugin in new[] { "akka.persistence.journal.sql", "akka.persistence.snapshot-store.sql" })
        {
            Assert.Equal(plan.Journal!.ConnectionString, config.GetString($"{plugin}.connection-string"));
            Assert.Equal("SQLite.MS", config.GetString($"{plugin}.provider-name"));
            Assert.Equal("default", config.GetString($"{plugin}.table-mapping"));
        }
        Assert.Contains(JournalPath, config.GetString("akka.persistence.journal.sql.connection-string"));
        Assert.Equal(1, config.GetInt("akka.persistence.journal.sql.parallelism"));
        // Akka.Hosting adds no logger of its own: reference.conf's levels and Akka's default logger stay.
        Assert.Equal("WARNING", config.GetString("akka.loglevel"));
        Assert.Equal("WARNING", config.GetString("akka.stdout-loglevel"));
        Assert.Equal(["Akka.Event.DefaultLogger"], config.GetStringList("akka.loggers"));
    }

    [Fact]
    public async Task Events_written_through_one_host_are_replayed_by_the_next_from_the_default_tables()
    {
        await using (var first = await TinyClipHost.StartAsync(SingleProcess))
        {
            var writer = first.System.ActorOf(Props.Create(() => new Recorder("recorder-1")));
            foreach (var text in new[] { "one", "two", "three" })
                Assert.Equal(text, await writer.Ask<string>(text, TimeSpan.FromSeconds(15)));
        }
        await using (var second = await TinyClipHost.StartAsync(SingleProcess))
        {
            var reader = second.System.ActorOf(Props.Create(() => new Recorder("recorder-1")));
            Assert.Equal(["one", "two", "three"], await reader.Ask<IReadOnlyList<string>>(Recorder.Replayed, TimeSpan.FromSeconds(15)));
        }
        Assert.Subset(SqliteTables(), new HashSet<string> { "journal", "tags", "snapshot" });
    }

    [Fact]
    public async Task A_cluster_node_has_the_cluster_provider_its_roles_seeds_and_the_remoting_settings()
    {
        var config = TinyClipConfig.Overrides(["tinyclip.cluster.roles = [coordinator, trainer]",
            "tinyclip.cluster.seed-nodes = [\"akka.tcp://tinyclip@127.0.0.1:1\"]", "tinyclip.remoting.maximum-frame-size = 256KiB"])
            .WithFallback(TinyClipConfig.Reference);
        var remoting = RemotingSettings.Read(config);
        await using var host = await TinyClipHost.StartAsync(
            new HostPlan(ClusterSettings.SystemName, config) { Remoting = remoting, Cluster = ClusterSettings.Read(config) });
        var effective = host.System.Settings.Config;

        Assert.IsType<ClusterActorRefProvider>(((ExtendedActorSystem)host.System).Provider);
        Assert.Equal(["coordinator", "trainer"], Akka.Cluster.Cluster.Get(host.System).SelfRoles.Order());
        Assert.Equal(["akka.tcp://tinyclip@127.0.0.1:1"], effective.GetStringList("akka.cluster.seed-nodes"));
        var tcp = effective.GetConfig("akka.remote.dot-netty.tcp");
        Assert.Equal("127.0.0.1", tcp.GetString("hostname"));
        Assert.Equal(256L << 10, tcp.GetByteSize("maximum-frame-size"));
        // Two frames would be 512 KiB: the socket buffers are at least 4 MiB.
        Assert.Equal(4L << 20, tcp.GetByteSize("send-buffer-size"));
        Assert.Equal(4L << 20, tcp.GetByteSize("receive-buffer-size"));
        Assert.False(tcp.GetBoolean("enable-ssl"));
        Assert.NotEqual(0, ((ExtendedActorSystem)host.System).Provider.DefaultAddress.Port);
        // The user's cluster settings (reference.conf) still apply under the typed options.
        Assert.Contains("SplitBrainResolverProvider", effective.GetString("akka.cluster.downing-provider-class"));
        Assert.Equal(TimeSpan.FromSeconds(6), effective.GetTimeSpan("akka.cluster.failure-detector.acceptable-heartbeat-pause"));
        Assert.True(string.IsNullOrEmpty(effective.GetString("akka.persistence.journal.plugin")), "a plan without a journal adds none");
    }

    [Fact]
    public void A_postgresql_journal_keeps_its_provider_and_configured_parallelism()
    {
        var journal = new JournalDatabase("Host=127.0.0.1;Database=runs;Username=u", JournalDatabase.PostgresProvider, Parallelism: 4);
        var config = ComposedConfig.Of(new HostPlan("tinyclip", TinyClipConfig.Reference) { Journal = journal });
        Assert.Equal("PostgreSQL.15", config.GetString("akka.persistence.journal.sql.provider-name"));
        Assert.Equal("PostgreSQL.15", config.GetString("akka.persistence.snapshot-store.sql.provider-name"));
        Assert.Equal(journal.ConnectionString, config.GetString("akka.persistence.snapshot-store.sql.connection-string"));
        Assert.Equal(4, config.GetInt("akka.persistence.journal.sql.parallelism"));
    }

    [Fact]
    public async Task A_failing_start_is_thrown_to_the_caller_without_akka_hostings_console_dump()
    {
        // The CLI prints its own one-line error; Akka.Hosting's hosted service would print the whole exception first.
        using var occupied = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        occupied.Start();
        var port = ((System.Net.IPEndPoint)occupied.LocalEndpoint).Port;
        var config = TinyClipConfig.Overrides([$"tinyclip.remoting.port = {port}"]).WithFallback(TinyClipConfig.Reference);
        var stdout = Console.Out;
        var captured = new StringWriter();
        Console.SetOut(captured);
        try
        {
            await Assert.ThrowsAnyAsync<Exception>(() => TinyClipHost.StartAsync(new HostPlan("occupied", config) { Remoting = RemotingSettings.Read(config) }));
        }
        finally { Console.SetOut(stdout); }
        Assert.DoesNotContain("AkkaHostedService", captured.ToString());
    }

    private HashSet<string> SqliteTables()
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = JournalPath, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table'";
        using var reader = command.ExecuteReader();
        var tables = new HashSet<string>();
        while (reader.Read()) tables.Add(reader.GetString(0));
        return tables;
    }

    /// <summary>Persists each string it is sent (and answers it); answers <see cref="Replayed"/> with what recovery replayed.</summary>
    private sealed class Recorder : ReceivePersistentActor
    {
        public const string Replayed = "replayed?";
        private readonly List<string> _replayed = new();

        public Recorder(string persistenceId)
        {
            PersistenceId = persistenceId;
            Recover<string>(_replayed.Add);
            Command<string>(text => text == Replayed, _ => Sender.Tell((IReadOnlyList<string>)_replayed));
            Command<string>(text => Persist(text, persisted => Sender.Tell(persisted)));
        }

        public override string PersistenceId { get; }
    }

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_directory)!, recursive: true);
}
